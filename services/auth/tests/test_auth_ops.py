"""What operators get from auth: metrics, JSON log lines without secrets, /healthz /readyz
/metrics on its own port, and none of it in the public API description."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from mythos_auth.entrypoints.api import create_app
from mythos_auth.settings import AuthSettings
from mythos_contracts.ops.log_lines import JsonLogFormatter
from prometheus_client import REGISTRY

WRONG = "not-the-password-at-all"
# Replays come from another network: the same one within seconds is a retry (grace).
THIEF = "198.51.100.66"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def requests(route: str, method: str, status: int) -> float:
    return sample("mythos_auth_requests_total", route=route, method=method, status=str(status))


class JsonLines:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def __call__(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines()]


@pytest.fixture
def json_lines() -> Iterator[JsonLines]:
    """Everything auth logs (DEBUG included), formatted as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter("auth"))
    logger = logging.getLogger("mythos_auth")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield JsonLines(stream)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


async def test_requests_are_counted_by_route_template(api: Any) -> None:
    login_401 = requests("/auth/login", "POST", 401)
    timed = sample("mythos_auth_request_seconds_count", route="/auth/login")
    unmatched = requests("unmatched", "GET", 404)
    odd_method = requests("/auth/login", "other", 405)

    assert (await api.login("nobody", WRONG)).status_code == 401
    assert (await api.client.get("/auth/no/such/path/8f2c")).status_code == 404
    assert (await api.client.request("BREW", "/auth/login")).status_code == 405

    assert requests("/auth/login", "POST", 401) == login_401 + 1
    # Both requests to /auth/login are timed, the refused method too.
    assert sample("mythos_auth_request_seconds_count", route="/auth/login") == timed + 2
    assert requests("unmatched", "GET", 404) == unmatched + 1
    assert requests("/auth/login", "other", 405) == odd_method + 1
    # The raw path of an unmatched request never becomes a label value.
    assert "8f2c" not in (await api.client.get("/metrics")).text


async def test_logins_and_refreshes_are_counted_by_outcome(
    auth_settings: AuthSettings, serve: Any, api_for: Any, configure: Any
) -> None:
    settings = configure(auth_settings, login_per_ip_per_minute=3)
    before = {
        outcome: sample("mythos_auth_logins_total", outcome=outcome)
        for outcome in ("ok", "bad_credentials", "throttled")
    }
    refreshes = {
        outcome: sample("mythos_auth_refreshes_total", outcome=outcome)
        for outcome in ("ok", "reused", "invalid")
    }
    async with serve(settings) as (_, client):
        api = api_for(client)
        tokens = await api.tokens("Armitage")  # one login ok
        assert (await api.login("Armitage", WRONG)).status_code == 401
        assert (await api.login("Armitage", WRONG)).status_code == 401
        assert (await api.login("Armitage")).status_code == 429  # fourth from this address
        assert (await api.refresh(tokens["refresh_token"])).status_code == 200
        # Replayed from elsewhere (the same network at once would be a retry): reused.
        replay = await api.refresh(tokens["refresh_token"], address=THIEF)
        assert replay.status_code == 401
        assert (await api.refresh("not-a-refresh-token")).status_code == 401

    assert sample("mythos_auth_logins_total", outcome="ok") == before["ok"] + 1
    assert (
        sample("mythos_auth_logins_total", outcome="bad_credentials")
        == before["bad_credentials"] + 2
    )
    assert sample("mythos_auth_logins_total", outcome="throttled") == before["throttled"] + 1
    for outcome in ("ok", "reused", "invalid"):
        assert sample("mythos_auth_refreshes_total", outcome=outcome) == refreshes[outcome] + 1, (
            outcome
        )


async def test_outcomes_are_logged_with_the_user_id_and_no_secret(
    sqlite_settings: AuthSettings, serve: Any, api_for: Any, json_lines: JsonLines
) -> None:
    async with serve(sqlite_settings) as (_, client):
        api = api_for(client)
        user_id = (await api.register("Armitage")).json()["user_id"]
        assert (await api.login("Armitage", WRONG)).status_code == 401
        tokens = (await api.login("Armitage")).json()
        refreshed = (await api.refresh(tokens["refresh_token"])).json()
        assert (await api.refresh(tokens["refresh_token"], address=THIEF)).status_code == 401

    outcomes = [
        (line["msg"], line.get("user_id"))
        for line in json_lines()
        if line["logger"] == "mythos_auth.outcomes"
    ]
    assert outcomes == [
        ("login bad_credentials", None),
        ("login ok", user_id),
        ("refresh ok", user_id),
        ("refresh reused", user_id),
    ]
    assert all(line["service"] == "auth" and line["level"] for line in json_lines())
    # A JWT's signature is unique to it; its claims (ids, names) are not secret.
    secrets = [WRONG, tokens["refresh_token"], refreshed["refresh_token"]]
    secrets += [tokens["access_token"].rsplit(".", 1)[-1]]
    assert [secret for secret in secrets if secret in json_lines.text] == []
    # Nor the username typed in a failed login: it is often a password in the wrong field.
    failed = next(line for line in json_lines() if line["msg"] == "login bad_credentials")
    assert "Armitage" not in json.dumps(failed)


async def test_ops_routes_answer_on_the_service_port(api: Any) -> None:
    live = await api.client.get("/healthz")
    assert (live.status_code, live.json()["status"]) == (200, "ok")
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ok", "service": "auth", "checks": {"database": {"ok": True}}}
    metrics = await api.client.get("/metrics")
    assert metrics.status_code == 200
    for name in (
        "mythos_auth_requests_total",
        "mythos_auth_request_seconds_bucket",
        'mythos_auth_logins_total{outcome="throttled"}',
        'mythos_auth_refreshes_total{outcome="reused"}',
    ):
        assert name in metrics.text
    # The public health check is unchanged.
    old = await api.client.get("/auth/healthz")
    assert (old.status_code, old.json()) == (200, {"status": "ok", "database": "ok"})


async def test_ops_routes_are_not_in_the_public_api_description(api: Any) -> None:
    paths = (await api.client.get("/auth/openapi.json")).json()["paths"]
    assert "/auth/healthz" in paths
    assert not {"/healthz", "/readyz", "/metrics"} & set(paths)


async def test_not_ready_before_startup_but_alive(sqlite_settings: AuthSettings) -> None:
    app = create_app(sqlite_settings)  # lifespan not run: no database yet
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://auth") as client:
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == {"ok": False, "detail": "RuntimeError"}


async def test_not_ready_while_postgres_refuses_connections(
    postgres_settings: AuthSettings, serve: Any
) -> None:
    parts = urlsplit(postgres_settings.database_url)
    name = parts.path.lstrip("/")
    admin = await asyncpg.connect(urlunsplit(("postgresql", parts.netloc, "/postgres", "", "")))
    try:
        async with serve(postgres_settings) as (_, client):
            assert (await client.get("/readyz")).status_code == 200
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"]["ok"] is False
            # Liveness does not follow: a restart would not bring the database back.
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/auth/healthz")).status_code == 503
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()


def test_log_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTH_LOG_LEVEL", raising=False)
    monkeypatch.delenv("AUTH_LOG_FORMAT", raising=False)
    assert (AuthSettings().log_level, AuthSettings().log_format) == ("INFO", "json")
    monkeypatch.setenv("AUTH_LOG_LEVEL", "warning")
    monkeypatch.setenv("AUTH_LOG_FORMAT", "text")
    assert (AuthSettings().log_level, AuthSettings().log_format) == ("WARNING", "text")
    monkeypatch.setenv("AUTH_LOG_FORMAT", "xml")
    with pytest.raises(ValueError):
        AuthSettings()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_process_logs_json_and_serves_ops_routes(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")} | {
        "AUTH_PORT": str(port),
        "AUTH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}",
        "AUTH_KEY_FILE": str(tmp_path / "key.pem"),
        "AUTH_LOG_FORMAT": "json",
    }
    output = tmp_path / "stdout.log"
    with output.open("wb") as stdout:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "mythos_auth", env=env, stdout=stdout
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(300):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.returncode is None, output.read_text()
                await asyncio.sleep(0.1)
            assert (await http.get("/readyz")).status_code == 200
            assert (await http.get("/auth/healthz")).status_code == 200
            body = {"username": "Armitage", "password": WRONG}
            assert (await http.post("/auth/login", json=body)).status_code == 401
            metrics = (await http.get("/metrics")).text
        assert 'mythos_auth_logins_total{outcome="bad_credentials"} 1.0' in metrics
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        assert await asyncio.wait_for(process.wait(), 20) in (0, -signal.SIGTERM)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    text = output.read_text()
    lines = [json.loads(line) for line in text.splitlines()]  # every line is JSON
    assert {line["service"] for line in lines} == {"auth"}
    assert any(line["msg"] == "login bad_credentials" for line in lines)
    assert any(line["logger"] == "uvicorn.error" for line in lines)  # uvicorn's own, too
    assert any("shutdown complete" in line["msg"] for line in lines)
    assert WRONG not in text
