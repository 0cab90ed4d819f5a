"""Fixtures for the auth tests: settings on SQLite and on the real PostgreSQL, running apps."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from mythos_auth.entrypoints.api import create_app
from mythos_auth.settings import AuthSettings


def _settings(database_url: str, key_file: Path) -> AuthSettings:
    # Explicit values, so AUTH_* variables in the developer's shell cannot leak in.
    return AuthSettings(
        environment="development",
        database_url=database_url,
        key_file=key_file,
        key_dir=None,
        active_kid=None,
        require_invite=False,
        access_token_ttl_seconds=900,
        refresh_token_ttl_seconds=30 * 24 * 3600,
        login_per_ip_per_minute=10,
        register_per_ip_per_minute=5,
        login_lockout_threshold=5,
        login_lockout_base_seconds=1.0,
        login_lockout_max_seconds=900.0,
        trust_forwarded_for=True,
        trusted_proxies="127.0.0.1,::1",
    )


def configure(settings: AuthSettings, **changes: Any) -> AuthSettings:
    """A copy of ``settings`` with ``changes``, validated like environment values would be."""
    return AuthSettings(**{**settings.model_dump(), **changes})


class FakeClock:
    """Time that moves only when a test says so (both wall-clock and monotonic)."""

    def __init__(self) -> None:
        # Starts at the real time so tokens still verify with PyJWT's own clock.
        self.wall = datetime.now(UTC)
        self.mono = 1000.0

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def auth_settings(request: pytest.FixtureRequest, tmp_path: Path) -> AuthSettings:
    """Settings on a fresh database of each backend; PostgreSQL skips or fails loudly if down."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'db' / 'auth.db'}"
    else:
        url = request.getfixturevalue("database_url")  # root conftest: a fresh database
    return _settings(url, tmp_path / "keys" / "auth_ed25519.pem")


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> AuthSettings:
    return _settings(f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}", tmp_path / "key.pem")


@pytest.fixture
def postgres_settings(database_url: str, tmp_path: Path) -> AuthSettings:
    return _settings(database_url, tmp_path / "key.pem")


@asynccontextmanager
async def serving(
    settings: AuthSettings, clock: FakeClock | None = None
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """A started app and a client on it. ASGITransport skips lifespan, so drive it here.

    The transport's client address is 127.0.0.1, a trusted proxy by default, so tests pose
    as other clients with an ``X-Forwarded-For`` header.
    """
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://auth") as client:
            yield app, client


Serve = Callable[[AuthSettings], AbstractAsyncContextManager[tuple[FastAPI, httpx.AsyncClient]]]


@pytest.fixture
def serve() -> Serve:
    """``async with serve(settings) as (app, client)``: for tests that restart the app."""
    return serving


@pytest.fixture
async def client(auth_settings: AuthSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(auth_settings) as (_, client):
        yield client


@pytest.fixture(name="configure")
def configure_fixture() -> Callable[..., AuthSettings]:
    """``configure(settings, login_per_ip_per_minute=2, ...)``: a changed copy."""
    return configure


PASSWORD = "miskatonic"


class AuthApi:
    """Thin wrappers over the endpoints, for readable tests."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    @staticmethod
    def _from(address: str | None) -> dict[str, str]:
        return {"X-Forwarded-For": address} if address else {}

    async def register(
        self,
        username: str,
        password: str = PASSWORD,
        *,
        invite_code: str | None = None,
        address: str | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {"username": username, "password": password}
        if invite_code is not None:
            body["invite_code"] = invite_code
        return await self.client.post("/auth/register", json=body, headers=self._from(address))

    async def login(
        self, username: str, password: str = PASSWORD, *, address: str | None = None
    ) -> httpx.Response:
        return await self.client.post(
            "/auth/login",
            json={"username": username, "password": password},
            headers=self._from(address),
        )

    async def tokens(self, username: str, password: str = PASSWORD) -> dict[str, Any]:
        """Register (if needed) and log in; the login body."""
        await self.register(username, password)
        response = await self.login(username, password)
        assert response.status_code == 200, response.text
        return response.json()

    async def refresh(self, refresh_token: str, *, address: str | None = None) -> httpx.Response:
        return await self.client.post(
            "/auth/refresh", json={"refresh_token": refresh_token}, headers=self._from(address)
        )

    async def logout(
        self, refresh_token: str | None = None, access_token: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        body = {"refresh_token": refresh_token} if refresh_token else None
        return await self.client.post("/auth/logout", json=body, headers=headers)

    async def me(self, access_token: str) -> httpx.Response:
        return await self.client.get(
            "/auth/me", headers={"Authorization": f"Bearer {access_token}"}
        )

    async def jwks(self) -> dict[str, Any]:
        return (await self.client.get("/auth/.well-known/jwks.json")).json()


@pytest.fixture
def api_for() -> Callable[[httpx.AsyncClient], AuthApi]:
    return AuthApi


@pytest.fixture
def api(client: httpx.AsyncClient) -> AuthApi:
    return AuthApi(client)


# What the API fuzzer (test_auth_openapi_fuzz.py) tried, printed after the run.
FUZZ_LOG = pytest.StashKey[dict[str, Any]]()


@pytest.fixture(scope="session")
def fuzz_log(pytestconfig: pytest.Config) -> dict[str, Any]:
    return pytestconfig.stash.setdefault(FUZZ_LOG, {})


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    log = config.stash.get(FUZZ_LOG, None)
    if not log or config.option.verbose < 0:  # -q (make test): failures stay on one screen
        return
    terminalreporter.write_sep("-", "schemathesis: what the API fuzzer tried")
    for operation, entry in sorted(log.items()):
        statuses = ", ".join(f"{code}x{n}" for code, n in sorted(entry["statuses"].items()))
        terminalreporter.write_line(f"{operation}: {entry['cases']} cases -> {statuses}")
        for code, sample in sorted(entry["samples"].items()):
            terminalreporter.write_line(f"    e.g. {code} <- {sample}")
