"""Auth rules proven through the public origin of the running system: refresh
rotation, refresh re-use revoking the whole login, logout, login throttling
(limits lowered by configuration, not by sleeping) and the bound on password hashing."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx


async def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_login(
    start_system: Any,
) -> None:
    # Every client of this harness reaches auth from one address (the local Caddy), so
    # a thief replaying at once could not be told from the owner retrying a lost response
    # (AUTH_REFRESH_RETRY_GRACE_SECONDS, below): the grace is off here.
    system = start_system("distributed", AUTH_REFRESH_RETRY_GRACE_SECONDS="0")
    name, password = f"Ref{uuid.uuid4().hex[:6]}", "correct horse"
    async with httpx.AsyncClient(base_url=system.url, timeout=30) as http:
        assert (
            await http.post("/auth/register", json={"username": name, "password": password})
        ).status_code == 201
        first = (
            await http.post("/auth/login", json={"username": name, "password": password})
        ).json()
        second = await http.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert second.status_code == 200
        pair = second.json()
        assert pair["refresh_token"] != first["refresh_token"]
        me = await http.get("/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
        assert me.status_code == 200 and me.json()["username"] == name

        reuse = await http.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
        print("re-used refresh token:", reuse.status_code, reuse.json())
        assert reuse.status_code == 401
        # The whole family is revoked: the newest refresh token is refused too.
        after = await http.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        print("newest token of the revoked login:", after.status_code)
        assert after.status_code == 401

        third = (
            await http.post("/auth/login", json={"username": name, "password": password})
        ).json()
        out = await http.post("/auth/logout", json={"refresh_token": third["refresh_token"]})
        assert out.status_code == 204
        gone = await http.post("/auth/refresh", json={"refresh_token": third["refresh_token"]})
        print("refresh after logout:", gone.status_code)
        assert gone.status_code == 401


async def test_a_refresh_retried_at_once_gets_a_new_pair_and_the_lost_one_dies(
    start_system: Any,
) -> None:
    """The same refresh token again within the grace, from the same network: the client
    never got the first answer, so it gets a new pair instead of a revoked login, and the
    pair of the lost answer stops working (presenting it is reuse)."""
    system = start_system("distributed")
    name, password = f"Ret{uuid.uuid4().hex[:6]}", "correct horse"
    async with httpx.AsyncClient(base_url=system.url, timeout=30) as http:
        await http.post("/auth/register", json={"username": name, "password": password})
        login = (
            await http.post("/auth/login", json={"username": name, "password": password})
        ).json()
        lost = await http.post("/auth/refresh", json={"refresh_token": login["refresh_token"]})
        retried = await http.post("/auth/refresh", json={"refresh_token": login["refresh_token"]})
        print("refresh, then the same token again at once:", lost.status_code, retried.status_code)
        assert (lost.status_code, retried.status_code) == (200, 200)
        pair = retried.json()
        me = await http.get("/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
        assert me.status_code == 200
        dead = await http.post(
            "/auth/refresh", json={"refresh_token": lost.json()["refresh_token"]}
        )
        print("the lost pair's refresh token:", dead.status_code, dead.json())
        assert dead.status_code == 401 and "already used" in dead.json()["detail"]


async def test_login_attempts_from_one_address_are_throttled_with_retry_after(
    start_system: Any,
) -> None:
    system = start_system("distributed", AUTH_LOGIN_PER_IP_PER_MINUTE="3")
    async with httpx.AsyncClient(base_url=system.url, timeout=30) as http:
        codes = []
        for _ in range(5):
            response = await http.post(
                "/auth/login", json={"username": "Nobody123", "password": "wrong password"}
            )
            codes.append(response.status_code)
        print("login attempts answered:", codes)
        assert codes[:3] == [401, 401, 401]
        assert codes[3:] == [429, 429]
        assert int(response.headers["Retry-After"]) > 0


async def test_auth_refuses_what_would_exhaust_its_memory(start_system: Any) -> None:
    """Each argon2id hash holds 64 MiB: a burst of concurrent logins used to run them all at
    once. With a budget of one hash and no wait, the burst's excess is refused with 503
    and Retry-After, and the service keeps answering. Oversized bodies, declared or
    streamed, are refused with 413 before they are read whole."""
    system = start_system(
        "distributed",
        AUTH_PASSWORD_HASH_MEMORY_MIB="64",
        AUTH_PASSWORD_HASH_WAIT_SECONDS="0",
        AUTH_LOGIN_PER_IP_PER_MINUTE="1000",
        AUTH_LOGIN_LOCKOUT_THRESHOLD="1000",
    )
    name, password = f"Burst{uuid.uuid4().hex[:6]}", "correct horse"
    async with httpx.AsyncClient(base_url=system.url, timeout=60) as http:
        assert (
            await http.post("/auth/register", json={"username": name, "password": password})
        ).status_code == 201
        burst = await asyncio.gather(
            *(
                http.post("/auth/login", json={"username": name, "password": "wrong password"})
                for _ in range(24)
            )
        )
        codes = [response.status_code for response in burst]
        print("24 concurrent logins answered:", sorted(codes))
        assert set(codes) <= {401, 503} and 401 in codes and 503 in codes
        busy = next(response for response in burst if response.status_code == 503)
        print("a busy answer:", busy.headers["Retry-After"], busy.json())
        assert busy.headers["Retry-After"] == "1"
        assert busy.json() == {
            "detail": "the server is busy checking passwords; try again in 1 s",
            "retry_after": 1,
        }
        ok = await http.post("/auth/login", json={"username": name, "password": password})
        assert ok.status_code == 200, ok.text

        huge = json.dumps({"username": name, "password": "x" * 500_000}).encode()
        declared = await http.post(
            "/auth/login", content=huge, headers={"content-type": "application/json"}
        )

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(huge), 16384):
                yield huge[start : start + 16384]

        streamed = await http.post(
            "/auth/register", content=chunks(), headers={"content-type": "application/json"}
        )
        for what, response in (("declared", declared), ("streamed", streamed)):
            print(f"a 500 kB body, {what}:", response.status_code, response.text)
            assert response.status_code == 413
            assert response.json() == {"detail": "request body too large: at most 8192 bytes"}
