"""Bans, disabled accounts and revocations: the admin CLI, login/refresh/me refusing a
barred account, the outbox of revocations and its relay to the bus (in-memory bus, and a
bus whose broker is down), and bans asked for by the game over the bus."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from mythos_auth import admin as admin_cli
from mythos_auth.adapters.account_store import SqlAccountStore
from mythos_auth.adapters.database import async_database_url, create_engine
from mythos_auth.adapters.migrations import upgrade_to_head
from mythos_auth.adapters.revocation_outbox import SqlRevocationOutbox
from mythos_auth.adapters.session_store import SqlSessionStore
from mythos_auth.domain.accounts import PERMANENT_BAN, Account
from mythos_auth.entrypoints.api import create_app
from mythos_auth.settings import AuthSettings
from mythos_contracts.accounts import MAX_SESSION_IDS, AccountRevoked, BanRequest
from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.routing import (
    ACCOUNTS_EXCHANGE,
    REVOCATIONS_PATTERN,
    account_request_key,
    revocation_key,
)


@pytest.fixture
def cli_env(auth_settings: AuthSettings, monkeypatch: pytest.MonkeyPatch) -> AuthSettings:
    """Point the CLI (which reads AUTH_* like the service) at the test database."""
    monkeypatch.setenv("AUTH_DATABASE_URL", auth_settings.database_url)
    return auth_settings


class Listener:
    """What an edge hears: every revocation on the accounts exchange."""

    def __init__(self, bus: InMemoryBus) -> None:
        self.bus = bus
        self.heard: list[tuple[str, AccountRevoked]] = []
        self._arrived = asyncio.Event()

    async def start(self) -> None:
        await self.bus.connect()
        await self.bus.declare_queue("edge", exclusive=True, dead_letter=False)
        await self.bus.bind("edge", ACCOUNTS_EXCHANGE, REVOCATIONS_PATTERN)

        async def heard(delivery: Delivery) -> None:
            self.heard.append(
                (delivery.routing_key, AccountRevoked.model_validate_json(delivery.body))
            )
            self._arrived.set()

        await self.bus.consume("edge", heard)

    async def wait(self, count: int, timeout: float = 10.0) -> list[AccountRevoked]:
        async with asyncio.timeout(timeout):
            while len(self.heard) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return [message for _, message in self.heard]


@asynccontextmanager
async def serving_on(
    settings: AuthSettings, bus: Bus
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings, bus=bus)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://auth") as client:
            yield app, client


async def pending(settings: AuthSettings) -> list[AccountRevoked]:
    engine = create_engine(async_database_url(settings.database_url))
    try:
        return [item.message for item in await SqlRevocationOutbox(engine).pending(100)]
    finally:
        await engine.dispose()


def sid(body: dict[str, Any]) -> str:
    return str(jwt.decode(body["access_token"], options={"verify_signature": False})["sid"])


def test_a_ban_refuses_login_refresh_and_me_until_lifted_and_queues_a_revocation(
    cli_env: AuthSettings, serve: Any, api_for: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    async def sign_up() -> dict[str, Any]:
        async with serve(cli_env) as (_, client):
            return dict(await api_for(client).tokens("Wilmarth"))

    before = asyncio.run(sign_up())
    assert admin_cli.main(["ban", "wilmarth", "--for", "7d"]) == 0
    out = capsys.readouterr().out
    assert "Wilmarth" in out and "is banned until" in out and "ended 1 login(s)" in out
    (revoked,) = asyncio.run(pending(cli_env))
    assert (revoked.reason, revoked.whole_account, revoked.session_ids) == (
        "banned",
        True,
        [sid(before)],
    )

    async def refused() -> None:
        async with serve(cli_env) as (_, client):
            api = api_for(client)
            login = await api.login("Wilmarth")
            assert login.status_code == 403
            assert login.json()["detail"].startswith("this account is banned until 20")
            # A wrong password still learns nothing about the ban.
            assert (await api.login("Wilmarth", "wrong password")).status_code == 401
            refresh = await api.refresh(before["refresh_token"])
            assert refresh.status_code == 403 and "banned" in refresh.json()["detail"]
            me = await api.me(before["access_token"])
            assert me.status_code == 401

    asyncio.run(refused())
    assert admin_cli.main(["show", "Wilmarth"]) == 0
    assert "(this account is banned until" in capsys.readouterr().out
    assert admin_cli.main(["unban", "Wilmarth"]) == 0
    assert "is no longer banned" in capsys.readouterr().out

    async def allowed() -> None:
        async with serve(cli_env) as (_, client):
            assert (await api_for(client).login("Wilmarth")).status_code == 200

    asyncio.run(allowed())


def test_disable_and_enable(
    cli_env: AuthSettings, serve: Any, api_for: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    async def login(register: bool = False) -> int:
        async with serve(cli_env) as (_, client):
            api = api_for(client)
            if register:
                await api.register("Akeley")
            response = await api.login("Akeley")
            if response.status_code == 403:
                assert response.json()["detail"] == "this account is disabled"
            return int(response.status_code)

    assert asyncio.run(login(register=True)) == 200
    assert admin_cli.main(["disable", "Akeley"]) == 0
    assert "is disabled; ended 1 login(s)" in capsys.readouterr().out
    assert asyncio.run(login()) == 403
    assert admin_cli.main(["enable", "Akeley"]) == 0
    assert asyncio.run(login()) == 200
    for command in (["ban", "Nobody"], ["unban", "Nobody"], ["disable", "Nobody"]):
        assert admin_cli.main(command) == 1


async def test_logout_and_demotion_revocations_are_published_on_the_bus(
    auth_settings: AuthSettings, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    broker = InMemoryBroker()
    edge = Listener(InMemoryBus(broker))
    await edge.start()
    settings = AuthSettings(**{**auth_settings.model_dump(), "revocation_poll_seconds": 0.05})
    async with serving_on(settings, InMemoryBus(broker)) as (_, client):
        await client.post("/auth/register", json={"username": "Danforth", "password": "p" * 10})
        logins = []
        for _ in range(2):
            response = await client.post(
                "/auth/login", json={"username": "Danforth", "password": "p" * 10}
            )
            logins.append(response.json())
        out = await client.post("/auth/logout", json={"refresh_token": logins[0]["refresh_token"]})
        assert out.status_code == 204
        (logout,) = await edge.wait(1)
        assert (logout.reason, logout.whole_account, logout.session_ids) == (
            "logout",
            False,
            [sid(logins[0])],
        )
        key, _ = edge.heard[0]
        assert key == revocation_key(logout.account_id)
        # The CLI runs in another process: its revocation is found by the relay's poll.
        monkeypatch.setenv("AUTH_DATABASE_URL", settings.database_url)
        assert await asyncio.to_thread(admin_cli.main, ["promote", "Danforth"]) == 0
        assert await asyncio.to_thread(admin_cli.main, ["demote", "Danforth"]) == 0
        assert "is now player; ended 1 login(s)" in capsys.readouterr().out
        demoted = (await edge.wait(2))[1]
        assert (demoted.reason, demoted.whole_account, demoted.session_ids) == (
            "demoted",
            True,
            [sid(logins[1])],
        )
        for _ in range(250):  # published ones leave the outbox
            if not await pending(settings):
                break
            await asyncio.sleep(0.02)
        assert await pending(settings) == []


async def test_a_ban_asked_by_the_game_is_applied_and_revoked(
    auth_settings: AuthSettings,
) -> None:
    broker = InMemoryBroker()
    edge = Listener(InMemoryBus(broker))
    await edge.start()
    async with serving_on(auth_settings, InMemoryBus(broker)) as (_, client):
        await client.post("/auth/register", json={"username": "Peaslee", "password": "p" * 10})
        body = (
            await client.post("/auth/login", json={"username": "Peaslee", "password": "p" * 10})
        ).json()
        me = (
            await client.get(
                "/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
            )
        ).json()
        until = datetime.now(UTC) + timedelta(hours=1)
        request = BanRequest(account_id=me["user_id"], until=until, requested_by="an-admin")
        await edge.bus.publish(
            ACCOUNTS_EXCHANGE, account_request_key("ban"), request.model_dump_json().encode()
        )
        (banned,) = await edge.wait(1)
        assert (banned.account_id, banned.reason, banned.session_ids) == (
            me["user_id"],
            "banned",
            [sid(body)],
        )
        login = await client.post("/auth/login", json={"username": "Peaslee", "password": "p" * 10})
        assert login.status_code == 403 and "banned until" in login.json()["detail"]


class FlakyBus(InMemoryBus):
    """A broker that refuses the first ``failures`` publishes (it is down, then back)."""

    def __init__(self, broker: InMemoryBroker, failures: int) -> None:
        super().__init__(broker)
        self.failures = failures

    async def publish(self, exchange: str, routing_key: str, body: bytes, **kw: Any) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("broker down")
        await super().publish(exchange, routing_key, body, **kw)


async def test_a_revocation_is_kept_and_retried_while_the_broker_is_down(
    sqlite_settings: AuthSettings,
) -> None:
    broker = InMemoryBroker()
    edge = Listener(InMemoryBus(broker))
    await edge.start()
    async with serving_on(sqlite_settings, FlakyBus(broker, failures=2)) as (_, client):
        await client.post("/auth/register", json={"username": "Gilman", "password": "p" * 10})
        body = (
            await client.post("/auth/login", json={"username": "Gilman", "password": "p" * 10})
        ).json()
        out = await client.post("/auth/logout", json={"refresh_token": body["refresh_token"]})
        assert out.status_code == 204  # logout did not wait for the broker
        (revoked,) = await edge.wait(1)  # after two refused publishes
        assert revoked.session_ids == [sid(body)]


async def test_login_does_not_wait_for_an_unreachable_broker(
    sqlite_settings: AuthSettings,
) -> None:
    dead = AmqpBus("amqp://guest:guest@127.0.0.1:1/", connection_name="auth")
    async with serving_on(sqlite_settings, dead) as (_, client):
        started = time.monotonic()
        await client.post("/auth/register", json={"username": "Olmstead", "password": "p" * 10})
        login = await client.post(
            "/auth/login", json={"username": "Olmstead", "password": "p" * 10}
        )
        assert login.status_code == 200
        out = await client.post(
            "/auth/logout", json={"refresh_token": login.json()["refresh_token"]}
        )
        assert out.status_code == 204
        print(f"register, login and logout took {time.monotonic() - started:.2f} s")
    # Kept for the relay of the next start (or another instance).
    assert [r.reason for r in await pending(sqlite_settings)] == ["logout"]


async def test_a_ban_applies_however_many_logins_the_account_has(
    sqlite_settings: AuthSettings,
) -> None:
    url = async_database_url(sqlite_settings.database_url)
    await upgrade_to_head(url)
    engine = create_engine(url)
    try:
        accounts, sessions = SqlAccountStore(engine), SqlSessionStore(engine)
        account = Account.new("Pickman")
        await accounts.add(account, "not-a-real-hash")
        now = datetime.now(UTC)
        for n in range(MAX_SESSION_IDS + 5):
            await sessions.start_family(account.id, f"{n:064d}", now, now + timedelta(days=1))
        change = await accounts.change(
            username="pickman", values={"banned_until": PERMANENT_BAN}, revoke="banned", now=now
        )
        assert change is not None and change.ended_logins == MAX_SESSION_IDS + 5
        (revoked,) = [item.message for item in await SqlRevocationOutbox(engine).pending(10)]
        assert revoked.whole_account and len(revoked.session_ids) == MAX_SESSION_IDS
    finally:
        await engine.dispose()
