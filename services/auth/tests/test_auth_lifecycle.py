"""Startup concerns: migrations, database outage, defaults, and mounting in a host app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from mythos_auth.adapters.database import async_database_url, ensure_sqlite_directory
from mythos_auth.adapters.migrations import upgrade_to_head
from mythos_auth.adapters.tables import metadata
from mythos_auth.entrypoints.api import create_app
from mythos_auth.settings import AuthSettings
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.routing import Mount


async def test_migrations_build_exactly_the_declared_schema(auth_settings: AuthSettings) -> None:
    url = auth_settings.database_url
    await asyncio.to_thread(ensure_sqlite_directory, url)
    await upgrade_to_head(url)
    await upgrade_to_head(url)  # idempotent: a restart must not fail
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    assert differences == []
    assert set(tables) == {
        "accounts",
        "refresh_families",
        "refresh_tokens",
        "invites",
        "revocations",
        "alembic_version",
    }


async def test_health_is_503_when_the_database_is_gone(
    postgres_settings: AuthSettings, serve: Callable[..., Any]
) -> None:
    async with serve(postgres_settings) as (_, client):
        assert (await client.get("/auth/healthz")).status_code == 200
        parts = urlsplit(postgres_settings.database_url)
        name = parts.path.lstrip("/")
        admin_url = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await admin.close()

        response = await client.get("/auth/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "database": "unreachable"}


async def test_lifespan_driven_by_a_host_app_that_mounts_it(
    sqlite_settings: AuthSettings,
) -> None:
    auth_app = create_app(sqlite_settings)

    @asynccontextmanager
    async def host_lifespan(_: Starlette) -> AsyncIterator[None]:
        async with auth_app.router.lifespan_context(auth_app):
            yield

    host = Starlette(routes=[Mount("/", app=auth_app)], lifespan=host_lifespan)
    async with host.router.lifespan_context(host):
        transport = httpx.ASGITransport(app=host)
        async with httpx.AsyncClient(transport=transport, base_url="http://host") as client:
            assert (await client.get("/auth/healthz")).json()["status"] == "ok"
            body = {"username": "Armitage", "password": "miskatonic"}
            assert (await client.post("/auth/register", json=body)).status_code == 201
            assert (await client.post("/auth/login", json=body)).status_code == 200


def test_creating_the_app_does_no_io(tmp_path: Path) -> None:
    settings = AuthSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'sub' / 'auth.db'}",
        key_file=tmp_path / "keys" / "key.pem",
    )
    create_app(settings)
    assert list(tmp_path.iterdir()) == []


def test_settings_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOST", "PORT", "DATABASE_URL", "KEY_FILE", "ACCESS_TOKEN_TTL_SECONDS"):
        monkeypatch.delenv(f"AUTH_{name}", raising=False)
    defaults = AuthSettings()
    assert (defaults.host, defaults.port) == ("127.0.0.1", 54732)
    assert defaults.database_url == "sqlite+aiosqlite:///.data/auth.db"
    assert defaults.key_file == Path(".data/auth_ed25519.pem")
    assert defaults.access_token_ttl_seconds == 900
    assert (defaults.issuer, defaults.audience) == ("mythos-auth", "mythos")

    monkeypatch.setenv("AUTH_PORT", "6000")
    monkeypatch.setenv("AUTH_ACCESS_TOKEN_TTL_SECONDS", "60")
    configured = AuthSettings()
    assert (configured.port, configured.access_token_ttl_seconds) == (6000, 60)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_database_urls_get_an_async_driver(given: str, expected: str) -> None:
    assert async_database_url(given) == expected
