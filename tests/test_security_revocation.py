"""Revocation and bans on the running system: a login's sockets close (4009) the moment
auth revokes it, the game takes the player out, tokens of a revoked login stop opening
sockets, in-band auth keeps a socket on its own login, and each command runs with the
role of the socket's current token.

Accounts are changed with the operator CLI (``python -m mythos_auth.admin``) on the run's
own auth database, as an operator would."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest
import websockets
from test_gameplay_support import GAMEPLAY_ENV, auth_database_url, join, start, unique

CLOSE_REVOKED = 4009


async def operator(system: Any, *args: str) -> str:
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "mythos_auth.admin", *args],
        env={**os.environ, "AUTH_DATABASE_URL": auth_database_url(system)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    print("admin", *args, "->", result.stdout.strip())
    return result.stdout


async def closed(player: Any, timeout: float = 10.0) -> tuple[int | None, str]:
    async with asyncio.timeout(timeout):
        while player.close_code is None:
            await asyncio.sleep(0.05)
    return player.close_code, player.ws.close_reason or ""


async def refresh(system: Any, refresh_token: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=system.url, timeout=30) as http:
        return await http.post("/auth/refresh", json={"refresh_token": refresh_token})


async def handshake_refused(system: Any, token: str, timeout: float = 10.0) -> str:
    """The edge's refusal of ``token`` (waiting for the revocation to reach it)."""
    url = system.url.replace("http://", "ws://") + "/api/ws"
    async with asyncio.timeout(timeout):
        while True:
            try:
                async with websockets.connect(url, subprotocols=["bearer", token]):
                    pass
            except websockets.InvalidStatus as refused:
                body = json.loads(refused.response.body or b"{}")
                return f"{refused.response.status_code} {body.get('detail', '')}"
            await asyncio.sleep(0.1)


async def in_band(player: Any, token: str) -> dict[str, Any]:
    """Send ``auth`` with ``token``; the ``auth_ok`` or ``error`` that answers it."""
    command_id = await player.send("auth", token)
    return await player.wait_for(
        lambda m: (
            m["event_type"] in ("auth_ok", "error") and m["data"].get("command_id") == command_id
        ),
        what="the answer to auth",
    )


async def test_each_command_runs_with_the_role_of_its_token_and_demotion_ends_the_socket(
    start_system: Any, players: Any
) -> None:
    system = start(start_system)
    ada = await join(system, players, "Ada")
    bob = await join(system, players, "Bob")
    await operator(system, "promote", ada.name)
    # Promoted on the live socket: a refresh of the same login brings a token saying admin.
    renewed = await refresh(system, ada.refresh_token)
    assert renewed.status_code == 200
    assert (await in_band(ada, renewed.json()["access_token"]))["event_type"] == "auth_ok"
    status = await ada.run("admin", "status")
    print("admin status after the in-band refresh:", status)
    assert status["success"] is True, "the game still used the role of the login"
    old_admin_token = renewed.json()["access_token"]

    # Demoted: the socket closes at once, though its token says admin for 15 more minutes.
    assert "ended 1 login(s)" in await operator(system, "demote", ada.name)
    code, reason = await closed(ada)
    print("demoted admin's socket:", code, reason)
    assert code == CLOSE_REVOKED and "role changed" in reason
    await bob.event("player_left", player_name=ada.name)
    refused = await handshake_refused(system, old_admin_token)
    print("reconnecting with the admin token:", refused)
    assert refused.startswith("403") and "revoked" in refused
    assert (await refresh(system, renewed.json()["refresh_token"])).status_code == 401
    ada = await join(system, players, ada.name, register=False)
    answer = await ada.run("kick", bob.name)
    assert answer["success"] is False and "Only admins" in answer["result"]
    assert bob.close_code is None


async def test_in_band_auth_with_a_token_of_another_login_is_refused(
    start_system: Any, players: Any
) -> None:
    system = start(start_system)
    carol = await join(system, players, "Carol")
    other_login = await players.login(system.url, carol.name)
    refused = await in_band(carol, other_login.token)
    print("in-band token of another login:", refused["data"])
    assert refused["event_type"] == "error" and "another login" in refused["data"]["message"]
    assert carol.close_code is None
    same_login = await refresh(system, carol.refresh_token)
    assert (await in_band(carol, same_login.json()["access_token"]))["event_type"] == "auth_ok"
    assert (await carol.run("look"))["success"] is True


@pytest.mark.parametrize("mode", ["distributed", "embedded"])
async def test_an_in_game_ban_closes_the_socket_at_once_and_refuses_the_next_login(
    mode: str, start_system: Any, players: Any
) -> None:
    system = start_system(mode, **GAMEPLAY_ENV)
    admin_name = unique("Dee")
    await players.register_and_login(system.url, admin_name)
    await operator(system, "promote", admin_name)
    dee = await join(system, players, admin_name, register=False)
    eve = await join(system, players, "Eve")
    answer = await dee.run("ban", eve.name, "1h", "spamming")
    print("ban:", answer)
    assert answer["success"] is True
    code, reason = await closed(eve)
    print("banned player's socket:", code, reason)
    assert code == CLOSE_REVOKED and "banned" in reason
    await dee.event("player_left", player_name=eve.name)
    async with httpx.AsyncClient(base_url=system.url, timeout=30) as http:
        for _ in range(100):  # auth applies the ban from its queue, just after the game
            login = await http.post(
                "/auth/login", json={"username": eve.name, "password": "correct horse"}
            )
            if login.status_code != 200:
                break
            await asyncio.sleep(0.1)
    print("banned player's next login:", login.status_code, login.json())
    assert login.status_code == 403 and "banned until" in login.json()["detail"]
    gone = await refresh(system, eve.refresh_token)
    assert gone.status_code == 403 and "banned" in gone.json()["detail"]
    refused = await handshake_refused(system, eve.token)
    print("reconnecting with the banned player's token:", refused)
    assert refused.startswith("403") and "revoked" in refused
    assert "(this account is banned until" in await operator(system, "show", eve.name)
    await operator(system, "unban", eve.name)
    assert (await players.login(system.url, eve.name)).token


async def test_logout_closes_the_sockets_of_that_login_only(
    start_system: Any, players: Any
) -> None:
    system = start(start_system)
    fay = await join(system, players, "Fay")
    other_login = await players.login(system.url, fay.name)
    async with httpx.AsyncClient(base_url=system.url, timeout=30) as http:
        out = await http.post("/auth/logout", json={"refresh_token": other_login.refresh_token})
        assert out.status_code == 204
        assert (await fay.run("look"))["success"] is True  # another login: still open
        out = await http.post("/auth/logout", json={"refresh_token": fay.refresh_token})
        assert out.status_code == 204
    code, reason = await closed(fay)
    print("logged-out socket:", code, reason)
    assert code == CLOSE_REVOKED and "login was ended" in reason
    refused = await handshake_refused(system, fay.token)
    assert refused.startswith("403") and "revoked" in refused
