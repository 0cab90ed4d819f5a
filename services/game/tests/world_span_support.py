"""What the tests of world-spanning features share (``who``, whispers, ``global``,
admin calls, zone moves: ``test_game_world_directory.py``, ``test_game_global_lines.py``,
``test_game_shard_calls*.py``, ``test_game_zone_move*.py``): two games on one bus whose
maps split the shipped world (``crossing_support``), each publishing its directory
snapshot every 0.2 s (``span_pair`` starts both and stops them), and an edge that runs
typed commands and reads their answers' text."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from crossing_support import SPLIT, SQUARE, MakeBus, Peer, PeerOn, ids, start_shard, stop_all
from mythos_contracts.bus import Bus
from mythos_contracts.bus.journal import Journal, MemoryJournal
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import PlayerCommand, RoomBound, SessionOpened
from mythos_contracts.routing import COMMANDS_EXCHANGE, LOBBY_SHARD, command_key
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings

SEEN_ON_ARRIVAL = {"game_state", "room_update", "player_entered", "player_left"}
"""What a player crossing to another shard is sent there: none of it when their zone moves."""


class SpanEdge:
    """Sends as an edge does (each player's inputs to the shard of their newest message)
    and numbers each player's commands itself."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer
        self.sent = 0

    def route(self, pid: str) -> str:
        stamped = [e for e in self.peer.events if pid in e.recipients and e.shard is not None]
        return max(stamped, key=lambda e: e.recipients[pid]).shard if stamped else LOBBY_SHARD

    async def send(self, pid: str, message: Any) -> None:
        key = command_key(self.route(pid), pid)
        await self.peer.bus.publish(COMMANDS_EXCHANGE, key, message.model_dump_json().encode())

    async def post(self, pid: str, command: str, *args: str, role: str = "player") -> str:
        """Send a command without waiting; its command id."""
        self.sent += 1
        command_id = f"{pid}-{self.sent}"
        message = PlayerCommand(
            **ids(pid), command=command, args=list(args), command_id=command_id, player_role=role
        )
        await self.send(pid, message)
        return command_id

    async def command(self, pid: str, command: str, *args: str, role: str = "player") -> str:
        """Run a command; its answer's text."""
        command_id = await self.post(pid, command, *args, role=role)
        await self.peer.wait_until(lambda: self.answer(pid, command_id) is not None)
        answer = self.answer(pid, command_id)
        assert answer is not None
        return str(answer["result"])

    def answer(self, pid: str, command_id: str) -> dict[str, Any] | None:
        found = [r for r in self.peer.responses(pid) if r["command_id"] == command_id]
        return found[-1] if found else None

    async def join(self, pid: str) -> None:
        await self.send(pid, SessionOpened(**ids(pid)))
        await self.peer.wait_until(lambda: self.stamped(pid, "game_state") != [])
        await self.send(pid, RoomBound(room_id=SQUARE, **ids(pid)))

    async def walk(self, pid: str, direction: str, room: str) -> str:
        """Go ``direction``, then bind ``room`` (as ``pid``'s edge does once told); the answer."""
        answer = await self.command(pid, "go", direction)
        await self.send(pid, RoomBound(room_id=room, **ids(pid)))
        return answer

    async def talk(self, speaker: str, text: str, *hearers: str) -> None:
        """``speaker`` says ``text``, answered as said; until each of ``hearers`` got it."""
        assert await self.command(speaker, "say", text) == f"You say: {text}"
        for pid in hearers:
            await self.peer.wait_until(
                lambda pid=pid: any(text in t for _, t in self.chats(pid)), timeout=10
            )

    def stamped(self, pid: str, kind: str) -> list[Any]:
        return [e for e in self.peer.events if pid in e.recipients and e.event_type == kind]

    def chats(self, pid: str, *, history: bool | None = False) -> list[tuple[str | None, str]]:
        """``(shard, text)`` of each chat line ``pid`` got: live ones, the history's
        (``history=True``), or both (``None``)."""
        return [
            (e.shard, e.data["text"])
            for e in self.stamped(pid, "chat_message")
            if history is None or bool(e.data.get("history")) == history
        ]

    async def until(
        self, pid: str, condition: Callable[[str], bool], *command: str, role: str = "player"
    ) -> str:
        """Run ``command`` until its answer fits (the directory converges within a
        snapshot); that answer."""
        answer = ""
        for _ in range(100):
            answer = await self.command(pid, *command, role=role)
            if condition(answer):
                return answer
            await asyncio.sleep(0.05)
        raise AssertionError(f"{command} never fit: {answer!r}")

    async def until_who(self, pid: str, condition: Callable[[str], bool]) -> str:
        return await self.until(pid, condition, "who")

    async def until_heard(self, pid: str, shard: str) -> None:
        """Until ``pid``'s shard has heard from ``shard`` (``admin status`` lists it):
        ``admin move`` refuses a shard not heard from."""
        await self.until(pid, lambda s: f"Shard {shard}:" in s, "admin", "status", role="admin")


async def start_span_shard(
    make_bus: MakeBus,
    settings: Callable[..., GameSettings],
    shard: str,
    *,
    zone_map: Journal | None = None,
    **overrides: object,
) -> tuple[GameService, Bus, MemoryJournal]:
    """``crossing_support.start_shard``, its directory snapshots every 0.2 s."""
    return await start_shard(
        make_bus, settings, shard, zone_map=zone_map, directory_snapshot_seconds=0.2, **overrides
    )


@dataclass
class SpanPair:
    """Two started games of the split map, s1 and s2, with their journals, and the test's
    peer and edge on the same broker."""

    peer: Peer
    edge: SpanEdge
    s1: GameService
    s2: GameService
    s1_journal: MemoryJournal
    s2_journal: MemoryJournal


@asynccontextmanager
async def span_pair(
    make_bus: MakeBus,
    peer_on: PeerOn,
    settings: Callable[..., GameSettings],
    *,
    s1: Mapping[str, object] | None = None,
    s2: Mapping[str, object] | None = None,
    joined: Sequence[str] = (),
    **both: object,
) -> AsyncIterator[SpanPair]:
    """The peer, then s1 and s2 (``start_span_shard``), stopped again on leaving;
    ``both``: settings for both games, ``s1``/``s2``: settings for one; ``joined``:
    players who join first, in the square, in that order."""
    peer = await peer_on(make_bus("test-peer"))
    first, first_bus, first_journal = await start_span_shard(
        make_bus, settings, "s1", **both, **(s1 or {})
    )
    second, second_bus, second_journal = await start_span_shard(
        make_bus, settings, "s2", **both, **(s2 or {})
    )
    edge = SpanEdge(peer)
    try:
        for pid in joined:
            await edge.join(pid)
        yield SpanPair(peer, edge, first, second, first_journal, second_journal)
    finally:
        await stop_all(peer, (first, first_bus), (second, second_bus))


@dataclass
class GuardedShard:
    """A game on s1 of the split map that takes commands only from the broker user
    ``edge-user`` (the test's edge) and shard messages only from ``game-user``, on one
    in-process broker; ``game_user``: a second connection as the games' user."""

    service: GameService
    bus: Bus
    peer: Peer
    edge: SpanEdge
    game_user: Bus

    async def close(self) -> None:
        await self.service.stop()
        for bus in (self.bus, self.game_user, self.peer.bus):
            await bus.close()


async def start_guarded_s1(
    peer_on: Callable[[Bus], Awaitable[Any]],
    settings: Callable[..., GameSettings],
    *,
    journal: bool,
) -> GuardedShard:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker, user="edge-user"))
    bus = InMemoryBus(broker, user="game-user")
    await bus.connect()
    service = GameService(
        settings(
            shard="s1",
            shard_map=SPLIT,
            command_publisher="edge-user",
            shard_publisher="game-user",
        ),
        bus,
        MemoryJournal() if journal else None,
    )
    await service.start()
    game_user = InMemoryBus(broker, user="game-user")
    await game_user.connect()
    return GuardedShard(service, bus, peer, SpanEdge(peer), game_user)
