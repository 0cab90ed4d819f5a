"""Shared steps of the gameplay black-box tests (no tests here): start the system in
either run mode, bring players in, make an admin with the auth service's CLI, restart the
game mid-play, and check what a player did *not* receive.

Absence is checked with a barrier: once A's command was answered, the game has published
everything it caused; a command B sends afterwards is answered after all of it in B's
ordered stream. So when B's answer has arrived, anything A's line sent B is already there.
"""

from __future__ import annotations

import asyncio
import os
import signal
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


# The tests that also run in embedded mode (one process, in-process bus, SQLite) take
# ``mode`` from this parametrization; ``make test-fast`` runs their embedded half.
# Embedded mode runs the same service code; what differs is below it (the bus, SQLite,
# one process restarting as a whole). So the tests that run in both modes are those that
# go through that: a restart or kill -9 mid-play (characters, items, lucidity), items
# changing hands, a fight seen by an onlooker. The game's own rules (a first login's
# investigator, what a bleeding character may do, chat bent per listener, death and
# respawn) run in distributed mode only: embedded adds nothing there but minutes.
BOTH_MODES = ("mode", ["distributed", "embedded"])


def start(start_system: Any, mode: str = "distributed", **env: str) -> Any:
    return start_system(mode, **{**GAMEPLAY_ENV, **env})


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
    if system.mode == "embedded":  # one process, SQLite under the data directory
        return f"sqlite+aiosqlite:///{system.env['MYTHOS_DATA_DIR']}/embedded/auth.db"
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


async def restart_game(
    system: Any, players: Any, sig: signal.Signals, *connected: Any
) -> list[Any]:
    """Restart the game mid-play, gracefully (``SIGTERM``) or killed (``SIGKILL``), and
    return the ``connected`` players' connections past the restart.

    Distributed: only the game process restarts; the edge keeps each connection, and the
    next game continues each stream (from the handoff after a ``SIGTERM``, from its
    journal after a kill): each player is told of the restart (their room, then a
    ``status_update`` with reason ``restart``), never resynced. Embedded: the game shares
    the one process with every service, so the whole process restarts (Ctrl-C or kill
    -9) and each player logs in again (a new connection, a new ``game_state``)."""
    if system.mode == "distributed":
        seen = {id(p): len(p.received) for p in connected}
        old = system.signal("game", sig)
        await system.wait_restarted("game", old)
        for player in connected:
            await continued(player, since=seen[id(player)])
        return list(connected)
    if sig == signal.SIGKILL:
        system.process.kill()
        system.process.wait()
    else:
        await system.shut_down()
    await asyncio.to_thread(system.start)
    return [await join(system, players, p.name, register=False) for p in connected]


async def continued(player: Any, since: int = 0) -> dict[str, Any]:
    """Wait until ``player``'s stream was continued by a restarted game (the
    ``status_update`` with reason ``restart``, after message ``since``); no resync."""
    notice: dict[str, Any] = await player.wait_for(
        lambda m: (
            m["event_type"] == "status_update"
            and m["data"].get("reason") == "restart"
            and any(m is later for later in player.received[since:])
        ),
        timeout=60,
        what="the restart's status_update",
    )
    resynced = [m for m in player.received[since:] if m["event_type"] == "game_state"]
    assert resynced == [], f"{player.name}: continued, not resynced"
    return notice


async def state_after_kill(system: Any, players: Any, player: Any) -> tuple[Any, dict[str, Any]]:
    """The player's connection and a ``game_state`` from the game that came back after a
    kill (see ``restart_game``): what that game loaded from the database. Embedded: the
    first state of the new login. Distributed: the stream went on without one, so the
    player logs in again and gets a fresh state from the restarted game's memory."""
    if system.mode == "distributed":
        player = await join(system, players, player.name, register=False)
    state: dict[str, Any] = await player.wait_for(
        lambda m: m["event_type"] == "game_state",
        timeout=60,
        what="the game_state after the kill",
    )
    return player, state
