"""Refresh tokens, logout and /auth/me over HTTP, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from typing import Any

import jwt
from mythos_auth.adapters.tables import refresh_families, refresh_tokens
from mythos_auth.domain.sessions import hash_secret
from mythos_auth.settings import AuthSettings
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


async def _verify(api: Any, token: str) -> dict[str, Any]:
    """Verify a token the way the edge does: offline, with the published JWKS."""
    jwks = await api.jwks()
    kid = jwt.get_unverified_header(token)["kid"]
    [jwk] = [key for key in jwks["keys"] if key["kid"] == kid]
    return jwt.decode(
        token, jwt.PyJWK(jwk), algorithms=["EdDSA"], audience="mythos", issuer="mythos-auth"
    )


async def test_login_returns_a_refresh_token_and_a_token_with_kid_role_and_session(
    api: Any,
) -> None:
    body = await api.tokens("Armitage")
    assert set(body) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "refresh_expires_in",
    }
    assert body["refresh_expires_in"] == 30 * 24 * 3600
    # Opaque, URL-safe, 256 bits: 43 characters of base64url.
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", body["refresh_token"])
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "EdDSA" and header["kid"] == (await api.jwks())["keys"][0]["kid"]
    claims = await _verify(api, body["access_token"])
    assert claims["role"] == "player"
    assert claims["name"] == "Armitage" and claims["sid"]


async def test_refresh_rotates_both_tokens(api: Any) -> None:
    first = await api.tokens("Armitage")
    response = await api.refresh(first["refresh_token"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    second = response.json()
    assert second["token_type"] == "bearer" and second["expires_in"] == 900
    assert second["refresh_token"] != first["refresh_token"]
    old, new = _claims(first["access_token"]), await _verify(api, second["access_token"])
    assert new["sub"] == old["sub"] and new["sid"] == old["sid"]
    # The new refresh token works in turn.
    assert (await api.refresh(second["refresh_token"])).status_code == 200


async def test_reusing_a_refresh_token_revokes_the_whole_family(api: Any) -> None:
    login = await api.tokens("Armitage")
    rotated = (await api.refresh(login["refresh_token"])).json()
    latest = (await api.refresh(rotated["refresh_token"])).json()

    # A thief replays the first (already used) token: refused, and the family is revoked...
    replay = await api.refresh(login["refresh_token"])
    assert replay.status_code == 401
    assert replay.headers["www-authenticate"] == "Bearer"
    assert "already used" in replay.json()["detail"]
    # ...so the legitimate newest token is dead too, and so is the session for /me.
    after = await api.refresh(latest["refresh_token"])
    assert after.status_code == 401 and "revoked" in after.json()["detail"]
    assert (await api.me(latest["access_token"])).status_code == 401

    # Another login of the same account is a separate family and is untouched.
    other = (await api.login("Armitage")).json()
    assert (await api.refresh(other["refresh_token"])).status_code == 200


async def test_concurrent_use_of_one_refresh_token_lets_at_most_one_through(api: Any) -> None:
    """Owner and thieves racing from different networks (the same network within a few
    seconds is a retry: see the grace below). On SQLite the losers may find the database
    locked by the winner: that too is reuse (revoked, 401), never a 500."""
    login = await api.tokens("Armitage")
    responses = await asyncio.gather(
        *(api.refresh(login["refresh_token"], address=f"198.51.100.{n}") for n in range(4))
    )
    codes = sorted(response.status_code for response in responses)
    assert codes.count(200) <= 1 and set(codes) <= {200, 401}
    # Whatever won, the reuse revoked the family.
    for response in responses:
        if response.status_code == 200:
            assert (await api.refresh(response.json()["refresh_token"])).status_code == 401


async def test_many_concurrent_reuses_revoke_the_family_and_never_fail(api: Any) -> None:
    for round_ in range(3):
        login = await api.tokens("Armitage")
        responses = await asyncio.gather(
            *(
                api.refresh(login["refresh_token"], address=f"198.51.{round_}.{n}")
                for n in range(12)
            )
        )
        codes = [response.status_code for response in responses]
        assert set(codes) <= {200, 401}, [r.text for r in responses if r.status_code >= 500]
        assert codes.count(200) <= 1
        for response in responses:
            if response.status_code == 200:
                assert (await api.refresh(response.json()["refresh_token"])).status_code == 401


async def test_on_sqlite_a_refresh_waiting_on_a_long_write_lock_is_not_a_500(
    sqlite_settings: AuthSettings, serve: Any, api_for: Any
) -> None:
    """Racing refreshes wait for each other's write lock. The driver gave up after 5 s
    ("database is locked": a 500); a loaded server can hold the lock that long. Here the
    lock is held from outside for 6 s while the owner and a thief race."""
    async with serve(sqlite_settings) as (_, client):
        api = api_for(client)
        login = await api.tokens("Armitage")
        path = sqlite_settings.database_url.split(":///", 1)[1]
        holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            await asyncio.to_thread(holder.execute, "BEGIN IMMEDIATE")
            racing = asyncio.gather(
                *(api.refresh(login["refresh_token"], address=f"198.51.100.{n}") for n in (1, 2))
            )
            await asyncio.sleep(6)
            await asyncio.to_thread(holder.execute, "COMMIT")
            responses = await racing
        finally:
            await asyncio.to_thread(holder.close)
        codes = sorted(response.status_code for response in responses)
        assert codes == [200, 401], [r.text for r in responses]
        winner = next(r for r in responses if r.status_code == 200).json()
        assert (await api.refresh(winner["refresh_token"])).status_code == 401


async def test_a_lost_refresh_response_may_be_retried_briefly_from_the_same_network(
    auth_settings: AuthSettings, serve: Any, api_for: Any, clock: Any
) -> None:
    """The same refresh token again within 5 s from the same network is a retry after a
    lost response: a fresh pair, and the pair the lost response carried stops working."""
    async with serve(auth_settings, clock) as (_, client):
        api = api_for(client)
        login = await api.tokens("Armitage")
        here = "203.0.113.5"
        lost = await api.refresh(login["refresh_token"], address=here)
        assert lost.status_code == 200
        clock.advance(3)
        retried = await api.refresh(login["refresh_token"], address=here)
        assert retried.status_code == 200, retried.text
        pair = retried.json()
        assert pair["refresh_token"] != lost.json()["refresh_token"]
        assert (await api.me(pair["access_token"])).status_code == 200
        # Only one pair of the login stays usable: the lost one is dead, and presenting it
        # counts as reuse, which revokes the login.
        assert (await api.refresh(pair["refresh_token"], address=here)).status_code == 200
        dead = await api.refresh(lost.json()["refresh_token"], address=here)
        assert dead.status_code == 401 and "already used" in dead.json()["detail"]


async def test_the_retry_grace_is_short_and_for_the_same_network_only(
    auth_settings: AuthSettings, serve: Any, api_for: Any, clock: Any
) -> None:
    async with serve(auth_settings, clock) as (_, client):
        api = api_for(client)
        here = "203.0.113.5"
        for late, where, refresh_twice in (
            (6.0, here, False),  # too late
            (1.0, "198.51.100.9", False),  # from elsewhere: a thief
            (1.0, here, True),  # the first response arrived: its token was used
        ):
            login = await api.tokens("Armitage")
            first = await api.refresh(login["refresh_token"], address=here)
            assert first.status_code == 200
            if refresh_twice:
                assert (
                    await api.refresh(first.json()["refresh_token"], address=here)
                ).status_code == 200
            clock.advance(late)
            again = await api.refresh(login["refresh_token"], address=where)
            assert again.status_code == 401, (late, where)
            assert "already used" in again.json()["detail"]
            # Reuse revoked the whole login.
            assert (await api.me(first.json()["access_token"])).status_code == 401


async def test_a_login_ends_at_its_maximum_age_however_often_refreshed(
    auth_settings: AuthSettings, serve: Any, clock: Any, configure: Any, api_for: Any
) -> None:
    settings = configure(
        auth_settings, refresh_token_ttl_seconds=3600, session_max_age_seconds=3 * 3600
    )
    async with serve(settings, clock) as (_, client):
        api = api_for(client)
        token = (await api.tokens("Armitage"))["refresh_token"]
        expires_in = []
        for _ in range(3):
            clock.advance(3000)
            refreshed = await api.refresh(token)
            assert refreshed.status_code == 200, refreshed.text
            token = refreshed.json()["refresh_token"]
            expires_in.append(refreshed.json()["refresh_expires_in"])
        # The last token is cut short: the login ends 3 h after it began (9000 s in now).
        assert expires_in == [3600, 3600, 3 * 3600 - 9000]
        clock.advance(3 * 3600 - 9000)
        ended = await api.refresh(token)
        assert ended.status_code == 401
        assert ended.json() == {"detail": "refresh token has expired; log in again"}
        token = (await api.login("Armitage")).json()["refresh_token"]
    # A lower maximum applies to logins already running, however fresh their token.
    clock.advance(1800)
    async with serve(configure(settings, session_max_age_seconds=1800), clock) as (_, client):
        ended = await api_for(client).refresh(token)
        assert ended.json() == {"detail": "this login has reached its maximum age; log in again"}


async def test_unknown_and_malformed_refresh_tokens(api: Any) -> None:
    unknown = await api.refresh("x" * 43)
    assert unknown.status_code == 401
    assert unknown.json() == {"detail": "refresh token is not valid"}
    empty = await api.client.post("/auth/refresh", json={"refresh_token": ""})
    assert empty.status_code == 422
    missing = await api.client.post("/auth/refresh", json={})
    assert (
        missing.status_code == 422 and missing.json()["detail"] == "refresh_token: field required"
    )


async def test_refresh_tokens_are_stored_only_hashed(auth_settings: AuthSettings, api: Any) -> None:
    body = await api.tokens("Armitage")
    engine = create_async_engine(auth_settings.database_url)
    try:
        async with engine.connect() as connection:
            hashes = (await connection.execute(select(refresh_tokens.c.token_hash))).scalars().all()
    finally:
        await engine.dispose()
    assert hashes == [hash_secret(body["refresh_token"])]


async def test_refresh_tokens_expire(
    auth_settings: AuthSettings, serve: Any, clock: Any, configure: Any
) -> None:
    settings = configure(auth_settings, refresh_token_ttl_seconds=3600)
    async with serve(settings, clock) as (_, client):
        from_login = await _login_via(client)
        clock.advance(3599)
        still = await client.post(
            "/auth/refresh", json={"refresh_token": from_login["refresh_token"]}
        )
        assert still.status_code == 200
        # Each rotated token gets a full lifetime from its own issue.
        clock.advance(3599)
        renewed = await client.post(
            "/auth/refresh", json={"refresh_token": still.json()["refresh_token"]}
        )
        assert renewed.status_code == 200
        clock.advance(3600)
        expired = await client.post(
            "/auth/refresh", json={"refresh_token": renewed.json()["refresh_token"]}
        )
        assert expired.status_code == 401
        assert expired.json() == {"detail": "refresh token has expired; log in again"}


async def _login_via(client: Any, name: str = "Armitage") -> dict[str, Any]:
    body = {"username": name, "password": "miskatonic"}
    await client.post("/auth/register", json=body)
    response = await client.post("/auth/login", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def test_me_describes_the_bearer(api: Any) -> None:
    user_id = (await api.register("Armitage")).json()["user_id"]
    body = (await api.login("armitage")).json()
    response = await api.me(body["access_token"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {"user_id": user_id, "username": "Armitage", "role": "player"}


async def test_me_refuses_missing_malformed_and_foreign_tokens(api: Any) -> None:
    missing = await api.client.get("/auth/me")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in missing.json()["detail"]
    basic = await api.client.get("/auth/me", headers={"Authorization": "Basic dTpw"})
    assert basic.status_code == 401
    garbage = await api.me("not.a.token")
    assert garbage.status_code == 401 and garbage.json() == {"detail": "access token is malformed"}
    token = (await api.tokens("Armitage"))["access_token"]
    head, payload, signature = token.split(".")
    tampered = await api.me(f"{head}.{payload}.{signature[:-4]}AAAA")
    assert tampered.status_code == 401
    forged = jwt.encode(
        {"sub": "x", "name": "x", "iat": 1, "exp": 2**31, "iss": "mythos-auth", "aud": "mythos"},
        "a shared secret the service never uses, 32+ bytes",
        algorithm="HS256",
        headers={"kid": jwt.get_unverified_header(token)["kid"]},
    )
    assert (await api.me(forged)).status_code == 401


async def test_access_tokens_expire_by_the_service_clock(
    auth_settings: AuthSettings, serve: Any, clock: Any
) -> None:
    async with serve(auth_settings, clock) as (_, client):
        token = (await _login_via(client))["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        clock.advance(899)
        assert (await client.get("/auth/me", headers=bearer)).status_code == 200
        clock.advance(1)
        expired = await client.get("/auth/me", headers=bearer)
        assert expired.status_code == 401
        assert expired.json() == {"detail": "access token has expired"}


async def test_logout_with_the_refresh_token_revokes_the_family(api: Any) -> None:
    body = await api.tokens("Armitage")
    response = await api.logout(refresh_token=body["refresh_token"])
    assert response.status_code == 204 and response.content == b""
    refused = await api.refresh(body["refresh_token"])
    assert refused.status_code == 401
    assert refused.json() == {"detail": "refresh token has been revoked; log in again"}
    assert (await api.me(body["access_token"])).json() == {
        "detail": "session has ended; log in again"
    }
    # Logging out again is harmless.
    assert (await api.logout(refresh_token=body["refresh_token"])).status_code == 204


async def test_logout_with_only_the_access_token_revokes_its_family(api: Any) -> None:
    body = await api.tokens("Armitage")
    rotated = (await api.refresh(body["refresh_token"])).json()
    assert (await api.logout(access_token=body["access_token"])).status_code == 204
    assert (await api.refresh(rotated["refresh_token"])).status_code == 401


async def test_logout_with_both_and_with_nothing(api: Any) -> None:
    body = await api.tokens("Armitage")
    both = await api.logout(refresh_token=body["refresh_token"], access_token=body["access_token"])
    assert both.status_code == 204
    nothing = await api.client.post("/auth/logout")
    assert nothing.status_code == 401 and nothing.headers["www-authenticate"] == "Bearer"
    bogus = await api.logout(refresh_token="y" * 43, access_token="not.a.token")
    assert bogus.status_code == 401
    assert bogus.json() == {
        "detail": "nothing to log out: send a valid refresh token or access token"
    }


async def test_logout_ends_one_login_only(api: Any) -> None:
    phone = await api.tokens("Armitage")
    laptop = (await api.login("Armitage")).json()
    assert (await api.logout(refresh_token=phone["refresh_token"])).status_code == 204
    assert (await api.refresh(laptop["refresh_token"])).status_code == 200


async def test_sessions_and_keys_survive_a_restart(
    auth_settings: AuthSettings, serve: Any, api_for: Any
) -> None:
    async with serve(auth_settings) as (_, client):
        body = await api_for(client).tokens("Armitage")
    async with serve(auth_settings) as (_, client):
        api = api_for(client)
        assert (await api.me(body["access_token"])).status_code == 200
        refreshed = await api.refresh(body["refresh_token"])
        assert refreshed.status_code == 200
        assert (await _verify(api, refreshed.json()["access_token"]))["name"] == "Armitage"


async def test_expired_tokens_are_purged_but_used_ones_kept_until_expiry(
    auth_settings: AuthSettings, serve: Any, clock: Any
) -> None:
    async with serve(auth_settings, clock) as (app, client):
        body = await _login_via(client)
        await client.post("/auth/refresh", json={"refresh_token": body["refresh_token"]})
        store = app.state.auth.session_store
        assert await store.purge_expired(clock.now()) == 0
        assert await store.count_tokens() == 2  # the used one stays: replay is still reuse
        clock.advance(auth_settings.refresh_token_ttl_seconds)
        assert await store.purge_expired(clock.now()) == 2
        assert await store.count_tokens() == 0
        engine = create_async_engine(auth_settings.database_url)
        try:
            async with engine.connect() as connection:
                families = (await connection.execute(select(refresh_families))).all()
        finally:
            await engine.dispose()
        assert families == []
