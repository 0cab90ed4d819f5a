"""Roles: player by default, admin through the CLI, carried as the ``role`` claim."""

from __future__ import annotations

import asyncio
from typing import Any

import jwt
import pytest
from mythos_auth import admin as admin_cli
from mythos_auth.settings import AuthSettings


def _role(token: str) -> str:
    return jwt.decode(token, options={"verify_signature": False})["role"]


@pytest.fixture
def cli_env(auth_settings: AuthSettings, monkeypatch: pytest.MonkeyPatch) -> AuthSettings:
    """Point the CLI (which reads AUTH_* like the service) at the test database."""
    monkeypatch.setenv("AUTH_DATABASE_URL", auth_settings.database_url)
    return auth_settings


def test_grant_and_revoke_admin(
    cli_env: AuthSettings, serve: Any, api_for: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    async def sign_up() -> dict[str, Any]:
        async with serve(cli_env) as (_, client):
            api = api_for(client)
            body = await api.tokens("Armitage")
            assert _role(body["access_token"]) == "player"
            assert (await api.me(body["access_token"])).json()["role"] == "player"
            return body

    before = asyncio.run(sign_up())

    assert admin_cli.main(["grant", "armitage"]) == 0
    assert capsys.readouterr().out.strip().endswith("is now admin")

    async def as_admin() -> dict[str, Any]:
        async with serve(cli_env) as (_, client):
            api = api_for(client)
            # /me reads the account, so it shows the new role at once...
            assert (await api.me(before["access_token"])).json()["role"] == "admin"
            # ...and the next refresh or login carries it in the token.
            refreshed = (await api.refresh(before["refresh_token"])).json()
            assert _role(refreshed["access_token"]) == "admin"
            login = (await api.login("Armitage")).json()
            assert _role(login["access_token"]) == "admin"
            return login

    admin_login = asyncio.run(as_admin())

    assert admin_cli.main(["show", "Armitage"]) == 0
    assert capsys.readouterr().out.split()[-1] == "admin"
    assert admin_cli.main(["revoke", "Armitage"]) == 0
    assert "is now player; ended 2 login(s)" in capsys.readouterr().out

    async def demoted() -> None:
        async with serve(cli_env) as (_, client):
            api = api_for(client)
            # The former admin cannot keep refreshing an admin token.
            assert (await api.refresh(admin_login["refresh_token"])).status_code == 401
            login = (await api.login("Armitage")).json()
            assert _role(login["access_token"]) == "player"

    asyncio.run(demoted())


def test_unknown_accounts(cli_env: AuthSettings, capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("grant", "revoke", "show"):
        assert admin_cli.main([command, "Nobody"]) == 1
        assert "no account named 'Nobody'" in capsys.readouterr().err
