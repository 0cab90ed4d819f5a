"""Fixtures for the auth tests: settings on SQLite and on the real PostgreSQL, running apps."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from mythos_auth.entrypoints.api import create_app
from mythos_auth.settings import AuthSettings


def _settings(database_url: str, key_file: Path) -> AuthSettings:
    # Explicit values, so AUTH_* variables in the developer's shell cannot leak in.
    return AuthSettings(database_url=database_url, key_file=key_file)


@pytest.fixture(params=["sqlite", "postgresql"])
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
async def serving(settings: AuthSettings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """A started app and a client on it. ASGITransport skips lifespan, so drive it here."""
    app = create_app(settings)
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
