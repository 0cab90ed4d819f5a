"""The faults, one table: each strikes a running system and says when it took effect."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass

STALL_SECONDS = 10.0
GAME_STALL_SECONDS = 8.0
"""Past what the game's AMQP heartbeat (``GAME_AMQP_HEARTBEAT_SECONDS``, 2) lets the
broker wait (it drops a silent connection about 5 s later), so the standby takes the
shard over while the frozen game still holds its TCP connections."""


AdminCommand = Callable[[list[str]], Awaitable[tuple[bool, str]]]
"""Runs a command as an admin in the game: (success, the answer's text)."""


@dataclass(frozen=True)
class Target:
    """What a fault needs of a running system: a service's current pid (``game``,
    ``persistence``, ``edge-1``... as the launcher's ``processes.json`` names them), the
    run's RabbitMQ vhost, and for ``zone-move`` an admin's connection and the zone."""

    pid: Callable[[str], int]
    vhost: str
    admin: AdminCommand | None = None
    zone: str = "bench-1"
    """The zone ``zone-move`` hands from s1 to s2 (the split benchmark world's first)."""


# ``struck()`` marks the moment the fault took effect; a fault may go on after it
# (a stall ends itself) and the run keeps its load going meanwhile.
Strike = Callable[[Target, Callable[[], None]], Coroutine[None, None, None]]


@dataclass(frozen=True)
class Fault:
    name: str
    what: str
    strike: Strike
    shards: int = 1
    """The fewest game shards the fault needs (``game-s2`` exists from two on)."""
    admin: bool = False
    """True when it acts through an admin's connection (``Target.admin``)."""


def _signal(service: str, sig: signal.Signals) -> Strike:
    async def strike(target: Target, struck: Callable[[], None]) -> None:
        os.kill(target.pid(service), sig)
        struck()

    return strike


async def _drop_broker_connections(target: Target, struck: Callable[[], None]) -> None:
    proc = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", "close_all_connections", "--vhost", target.vhost, "chaos: drop",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await proc.communicate()
    # The connections are closed when the command returns; its own start (an Erlang VM,
    # about a second) is not part of the fault.
    struck()
    if proc.returncode:
        raise RuntimeError(f"rabbitmqctl close_all_connections failed: {err.decode().strip()}")


def _stall(service: str, seconds: float) -> Strike:
    """SIGSTOP, then SIGCONT ``seconds`` later: a frozen VM, a lost node that comes back."""

    async def strike(target: Target, struck: Callable[[], None]) -> None:
        pid = target.pid(service)
        os.kill(pid, signal.SIGSTOP)
        struck()
        try:
            await asyncio.sleep(seconds)
        finally:
            os.kill(pid, signal.SIGCONT)

    return strike


async def _move_zone(target: Target, struck: Callable[[], None]) -> None:
    """``admin move <zone> s2`` with players talking and walking in it: the players in
    the zone go with it to s2."""
    if target.admin is None:
        raise RuntimeError("zone-move needs an admin's connection")
    moved, text = await target.admin(["admin", "move", target.zone, "s2"])
    if not moved:
        raise RuntimeError(f"admin move was refused: {text}")
    struck()  # answered once the zone's owner released it


FAULTS: dict[str, Fault] = {
    fault.name: fault
    for fault in (
        Fault(
            "game-kill", "kill -9 of the game (s1's active one)", _signal("game", signal.SIGKILL)
        ),
        Fault("game-term", "SIGTERM of the game (a rollout)", _signal("game", signal.SIGTERM)),
        Fault(
            "game-s2-kill",
            "kill -9 of shard s2's active game",
            _signal("game-s2", signal.SIGKILL),
            shards=2,
        ),
        Fault(
            "game-s2-term",
            "SIGTERM of shard s2's active game (a rollout of one shard)",
            _signal("game-s2", signal.SIGTERM),
            shards=2,
        ),
        Fault(
            "zone-move",
            "a zone with players in it moved live from s1 to s2 (admin move)",
            _move_zone,
            shards=2,
            admin=True,
        ),
        Fault("edge-kill", "kill -9 of edge 1 of 2", _signal("edge-1", signal.SIGKILL)),
        Fault(
            "broker-drop",
            "every service's broker connection closed (rabbitmqctl close_all_connections)",
            _drop_broker_connections,
        ),
        Fault(
            "persistence-stall",
            f"persistence stopped for {STALL_SECONDS:.0f} s (SIGSTOP, then SIGCONT)",
            _stall("persistence", STALL_SECONDS),
        ),
        Fault(
            "game-stall",
            f"the game frozen for {GAME_STALL_SECONDS:.0f} s (SIGSTOP, then SIGCONT)",
            _stall("game", GAME_STALL_SECONDS),
        ),
    )
}
