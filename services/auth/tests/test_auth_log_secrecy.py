"""No password, token or invite code ever reaches a log line, even at DEBUG."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from mythos_auth.domain.sessions import hash_secret
from mythos_auth.settings import AuthSettings

PASSWORD = "correct horse battery staple"
WRONG = "incorrect pony battery staple"
INVITE = "invite-code-that-must-stay-secret"


async def test_secrets_never_appear_in_logs(
    auth_settings: AuthSettings,
    serve: Any,
    api_for: Any,
    configure: Any,
    clock: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # DEBUG everywhere: SQLAlchemy then logs every statement with its parameters, so this
    # also proves that only digests of secrets are ever sent to the database.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")  # SQLAlchemy pins itself to WARNING
    settings = configure(
        auth_settings, require_invite=True, login_lockout_threshold=2, login_per_ip_per_minute=0
    )
    secrets: list[str] = [PASSWORD, WRONG, INVITE]
    async with serve(settings, clock) as (app, client):
        api = api_for(client)
        now = clock.now()
        await app.state.auth.invites.add(hash_secret(INVITE), now, now + timedelta(days=1))
        assert (await api.register("Armitage", PASSWORD, invite_code=INVITE)).status_code == 201
        # A password in the wrong place, and a body that does not parse.
        await client.post("/auth/login", json={"username": PASSWORD, "password": 12345678})
        await client.post("/auth/register", json={"username": 7, "password": PASSWORD})
        await client.post(
            "/auth/login",
            content=f'{{"username": "Armitage", "password": "{PASSWORD}"'.encode(),
            headers={"content-type": "application/json"},
        )
        for _ in range(3):  # wrong password until the lockout engages (a WARNING line)
            await api.login("Armitage", WRONG)
        clock.advance(3600)
        login = (await api.login("Armitage", PASSWORD)).json()
        secrets += [login["access_token"], login["refresh_token"]]
        refreshed = (await api.refresh(login["refresh_token"])).json()
        secrets += [refreshed["access_token"], refreshed["refresh_token"]]
        assert (await api.me(refreshed["access_token"])).status_code == 200
        # Reuse: revokes the family and logs a WARNING about it.
        # A replay from another network (the same one within seconds would be a retry).
        replay = await api.refresh(login["refresh_token"], address="198.51.100.66")
        assert replay.status_code == 401
        second = (await api.login("Armitage", PASSWORD)).json()
        secrets += [second["access_token"], second["refresh_token"]]
        assert (
            await api.logout(
                refresh_token=second["refresh_token"], access_token=second["access_token"]
            )
        ).status_code == 204
        assert (await api.me(second["access_token"])).status_code == 401

    text = "\n".join(
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for record in caplog.records
    )
    assert "refresh token reuse" in text and "login lockout" in text  # the logs did run
    assert "INSERT INTO refresh_tokens" in text  # ...and SQLAlchemy's statement log too
    # Each JWT's signature is unique to it; its claims (base64 of names, ids) are not secret.
    fragments = [s.rsplit(".", 1)[-1] if s.count(".") == 2 else s for s in secrets]
    leaked = [fragment for fragment in fragments if fragment in text]
    assert leaked == []
