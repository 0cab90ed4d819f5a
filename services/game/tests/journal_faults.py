"""Journals that fail as a process does, and the rest of a crash test's set-up: the
settings of a game made to die, its crash, and the heartbeat its edge sends the next game
(for ``test_game_journal.py``, ``test_game_command_batches.py``,
``test_game_crossing_crashes.py``, ``test_game_zone_moves.py``,
``test_game_shard_calls_once.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from mythos_contracts.bus import Bus
from mythos_contracts.bus.journal import Journal, MemoryJournal
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EdgeHeartbeat, HeldConnection
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings


class DiesAfterRecording:
    """A journal whose game dies right after a record holding ``word`` is confirmed:
    its messages never go out, and its input is never acked."""

    def __init__(self, inner: Journal, word: bytes) -> None:
        self._inner = inner
        self._word = word
        self.died = asyncio.Event()

    async def open(self) -> None:
        await self._inner.open()

    async def append(self, record: bytes) -> None:
        await self._inner.append(record)
        if self._word in record and not self.died.is_set():
            self.died.set()
            await asyncio.Event().wait()  # the process is gone: nothing after this

    async def read_recent(self, seconds: float) -> list[bytes]:
        return await self._inner.read_recent(seconds)

    async def close(self) -> None:
        await self._inner.close()


def crash_settings(settings: Callable[..., GameSettings], **overrides: object) -> GameSettings:
    """A game that can die between recording a unit and publishing it: its messages wait
    for the record (``journal_confirm_first``); it hands nothing over and stops at once."""
    return settings(
        handoff=False, shutdown_grace_seconds=0.2, journal_confirm_first=True, **overrides
    )


def held_heartbeat(*pids: str) -> EdgeHeartbeat:
    """``edge-1``'s heartbeat, holding ``pids`` (on ``c-<pid>``): what an edge answers the
    game started after a crash, which adopts them before it handles anything else."""
    held = [
        HeldConnection(player_id=pid, player_name=pid.title(), connection_id=f"c-{pid}")
        for pid in pids
    ]
    return EdgeHeartbeat(edge_id="edge-1", connections=held)


async def crash(service: GameService, bus: Bus) -> None:
    """As a kill -9 leaves it: the connection gone (what was in hand goes back to the
    queue), no handoff, nothing more from this game."""
    await bus.close()
    await service.stop()


@dataclass
class DoomedGame:
    """A game on an in-process broker that dies right after recording a given word (its
    journal ``dying``, over ``journal``, which the next game continues from), and the
    test's peer on the same broker."""

    broker: InMemoryBroker
    journal: MemoryJournal
    dying: DiesAfterRecording
    peer: Any  # conftest.py's Peer; not importable by name under --import-mode=importlib
    service: GameService
    bus: Bus


async def start_doomed_game(
    peer_on: Callable[[Bus], Awaitable[Any]],
    settings: Callable[..., GameSettings],
    word: bytes,
    **wiring: Any,
) -> DoomedGame:
    """The peer, then a game with ``crash_settings`` that dies after recording ``word``;
    ``wiring``: more of ``GameService``'s arguments."""
    broker, journal = InMemoryBroker(), MemoryJournal()
    dying = DiesAfterRecording(journal, word)
    peer = await peer_on(InMemoryBus(broker))
    bus = InMemoryBus(broker)
    await bus.connect()
    service = GameService(crash_settings(settings), bus, dying, **wiring)
    await service.start()
    return DoomedGame(broker, journal, dying, peer, service, bus)
