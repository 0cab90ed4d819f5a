"""Invite codes: required registration, single use, expiry, and the CLI that makes them."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest
from mythos_auth import invites as invites_cli
from mythos_auth.adapters.tables import invites
from mythos_auth.domain.sessions import hash_secret
from mythos_auth.settings import AuthSettings
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine


async def _invite(app: Any, clock: Any, code: str, days: float = 7) -> None:
    now = clock.now()
    await app.state.auth.invites.add(hash_secret(code), now, now + timedelta(days=days))


@pytest.fixture
def invite_settings(auth_settings: AuthSettings, configure: Any) -> AuthSettings:
    return configure(auth_settings, require_invite=True)


async def test_registration_without_an_invite_is_refused(
    invite_settings: AuthSettings, serve: Any, api_for: Any
) -> None:
    async with serve(invite_settings) as (_, client):
        api = api_for(client)
        for code in (None, ""):
            response = await api.register("Armitage", invite_code=code)
            assert response.status_code == 403
            assert response.json() == {"detail": "an invite code is required to register"}
        unknown = await api.register("Armitage", invite_code="made-up")
        assert unknown.status_code == 403
        assert unknown.json() == {"detail": "invite code is not valid"}
        # Nothing was created: login still fails.
        assert (await api.login("Armitage")).status_code == 401


async def test_an_invite_works_once(
    invite_settings: AuthSettings, serve: Any, api_for: Any, clock: Any
) -> None:
    async with serve(invite_settings, clock) as (app, client):
        api = api_for(client)
        await _invite(app, clock, "golden-ticket")
        first = await api.register("Armitage", invite_code="golden-ticket")
        assert first.status_code == 201
        again = await api.register("Wilbur", invite_code="golden-ticket")
        assert again.status_code == 403
        assert again.json() == {"detail": "invite code has already been used"}
        [row] = await app.state.auth.invites.all()
        assert row.used_by == first.json()["user_id"] and row.used_at == clock.now()


async def test_invites_expire(
    invite_settings: AuthSettings, serve: Any, api_for: Any, clock: Any
) -> None:
    async with serve(invite_settings, clock) as (app, client):
        api = api_for(client)
        await _invite(app, clock, "soon", days=1)
        clock.advance(24 * 3600)
        response = await api.register("Armitage", invite_code="soon")
        assert response.status_code == 403
        assert response.json() == {"detail": "invite code has expired"}


async def test_a_taken_name_does_not_burn_the_invite(
    invite_settings: AuthSettings, serve: Any, api_for: Any, clock: Any
) -> None:
    async with serve(invite_settings, clock) as (app, client):
        api = api_for(client)
        for code in ("one", "two"):
            await _invite(app, clock, code)
        assert (await api.register("Armitage", invite_code="one")).status_code == 201
        assert (await api.register("armitage", invite_code="two")).status_code == 409
        assert (await api.register("Wilbur", invite_code="two")).status_code == 201


async def test_two_registrations_racing_for_one_invite(
    invite_settings: AuthSettings, serve: Any, api_for: Any, clock: Any
) -> None:
    async with serve(invite_settings, clock) as (app, client):
        api = api_for(client)
        await _invite(app, clock, "contested")
        responses = await asyncio.gather(
            api.register("Armitage", invite_code="contested"),
            api.register("Wilbur", invite_code="contested"),
        )
        assert sorted(r.status_code for r in responses) == [201, 403]
        loser = next(r for r in responses if r.status_code == 403)
        assert loser.json() == {"detail": "invite code has already been used"}
        logins = [await api.login(name) for name in ("Armitage", "Wilbur")]
        assert sorted(r.status_code for r in logins) == [200, 401]


async def test_without_invites_required_codes_are_ignored(api: Any) -> None:
    assert (await api.register("Armitage", invite_code="anything")).status_code == 201


def test_the_cli_creates_hashed_single_use_codes(
    auth_settings: AuthSettings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    serve: Any,
    api_for: Any,
    configure: Any,
) -> None:
    monkeypatch.setenv("AUTH_DATABASE_URL", auth_settings.database_url)
    assert invites_cli.main(["create", "--days", "7", "--count", "2", "--note", "for Bob"]) == 0
    out, err = capsys.readouterr()
    codes = out.split()
    assert len(codes) == 2 and all(re.fullmatch(r"[A-Za-z0-9_-]{22}", c) for c in codes)
    assert "2 invite code(s), single use, valid until" in err

    async def check() -> None:
        engine = create_async_engine(auth_settings.database_url)
        try:
            async with engine.connect() as connection:
                stored = set((await connection.execute(select(invites.c.code_hash))).scalars())
        finally:
            await engine.dispose()
        # Only the hashes are kept.
        assert stored == {hash_secret(code) for code in codes}
        async with serve(configure(auth_settings, require_invite=True)) as (_, client):
            api = api_for(client)
            assert (await api.register("Armitage", invite_code=codes[0])).status_code == 201
            assert (await api.register("Wilbur", invite_code=codes[0])).status_code == 403

    asyncio.run(check())
    assert invites_cli.main(["list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == 2
    assert sum("used" in line and "unused" not in line for line in listing) == 1
    assert sum("unused" in line for line in listing) == 1
    assert all(line.endswith("for Bob") for line in listing)
    assert not any(code in "\n".join(listing) for code in codes)


@pytest.mark.parametrize("days", ["0", "-1", "400", "soon"])
def test_the_cli_refuses_silly_lifetimes(days: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        invites_cli.main(["create", "--days", days])
    assert exited.value.code == 2
    assert "days" in capsys.readouterr().err
