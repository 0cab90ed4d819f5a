"""Shared steps of the gameplay black-box tests (no tests here): start the distributed
system, bring players in, make an admin with the auth service's CLI, and check what a
player did *not* receive.

Absence is checked with a barrier: once A's command was answered, the game has published
everything it caused; a command B sends afterwards is answered after all of it in B's
ordered stream. So when B's answer has arrived, anything A's line sent B is already there.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

START = "independence-square"  # sub-zone independence-square, with town-hall-steps
STEPS = "town-hall-steps"  # northwest of the square, same sub-zone
QUAD = "miskatonic-quad"  # north of the square, another sub-zone

GAMEPLAY_ENV = {
    # Test players sit idle while others act; they do not ping.
    "EDGE_IDLE_TIMEOUT_SECONDS": "600",
    # Several players register from one address within a minute.
    "AUTH_REGISTER_PER_IP_PER_MINUTE": "0",
    "AUTH_LOGIN_PER_IP_PER_MINUTE": "0",
}


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def start(start_system: Any, **env: str) -> Any:
    return start_system("distributed", **{**GAMEPLAY_ENV, **env})


async def join(system: Any, players: Any, prefix: str, *, register: bool = True) -> Any:
    """A new player (or, with ``register=False``, ``prefix`` logging in again), connected
    and past its ``game_state``."""
    if register:
        player = await players.register_and_login(system.url, unique(prefix))
    else:
        player = await players.login(system.url, prefix)
    await player.connect(system.url)
    await player.event("game_state")
    return player


async def walk(player: Any, *directions: str) -> None:
    for direction in directions:
        response = await player.run(direction)
        assert response["success"], response
        await player.wait_for(
            lambda m: m["event_type"] == "room_update", what=f"room_update after {direction}"
        )


def chats(player: Any) -> list[dict[str, Any]]:
    return [m["data"] for m in player.received if m["event_type"] == "chat_message"]


def texts(player: Any) -> list[str]:
    return [c["text"] for c in chats(player)]


async def settled(*listeners: Any) -> None:
    """Barrier (see the module doc): every listener's stream holds all that was sent so far."""
    for listener in listeners:
        if listener.close_code is None:
            await listener.run("look")


def auth_database_url(system: Any) -> str:
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(server)
    name = f"{system.env['MYTHOS_DB_PREFIX']}_auth"
    return urlunsplit(("postgresql+asyncpg", parts.netloc, "/" + name, "", ""))


async def grant_admin(system: Any, players: Any, name: str) -> Any:
    """Make ``name`` an admin with the operator CLI, then log in again (the role is in the
    token) and connect; returns the new connection (the old one is replaced)."""
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "mythos_auth.admin", "grant", name],
        env={**os.environ, "AUTH_DATABASE_URL": auth_database_url(system)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "is now admin" in result.stdout, result.stdout
    return await join(system, players, name, register=False)
