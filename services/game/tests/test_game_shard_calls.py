"""Admin commands on a player of another shard, with two games whose maps split the
shipped world (``world/shards.2.json``: Independence Square is s1's, the Miskatonic quad
north of it s2's): the admin's shard sends the command to the target's
(``ShardCall``), which runs it and answers (``ShardCallResult``); the admin's command
is answered then, or refused once ``CALL_TIMEOUT_SECONDS`` pass. The test is the edge.
On the in-process bus, and on RabbitMQ (a vhost of its own)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from mythos_contracts.bus import Bus
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.bus.journal import MemoryJournal
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import PlayerCommand, RoomBound, SessionOpened
from mythos_contracts.routing import COMMANDS_EXCHANGE, LOBBY_SHARD, command_key
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings

Peer = Any  # conftest.py's; not importable by name under --import-mode=importlib
PeerOn = Callable[[Bus], Awaitable[Any]]
MakeBus = Callable[[str], Bus]
SPLIT = Path(__file__).parents[1] / "world" / "shards.2.json"
SQUARE, QUAD = "independence-square", "miskatonic-quad"


def _ids(pid: str) -> dict[str, str]:
    return {
        "player_id": pid,
        "player_name": pid.title(),
        "connection_id": f"c-{pid}",
        "edge_id": "edge-1",
    }


class Edge:
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
            **_ids(pid), command=command, args=list(args), command_id=command_id, player_role=role
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
        await self.send(pid, SessionOpened(**_ids(pid)))
        await self.peer.wait_until(lambda: self.stamped(pid, "game_state") != [])
        await self.send(pid, RoomBound(room_id=SQUARE, **_ids(pid)))

    def stamped(self, pid: str, kind: str) -> list[Any]:
        return [e for e in self.peer.events if pid in e.recipients and e.event_type == kind]

    def chats(self, pid: str, *, history: bool = False) -> list[tuple[str | None, str]]:
        """``(shard, text)`` of each chat line ``pid`` got (live, or the history's)."""
        return [
            (e.shard, e.data["text"])
            for e in self.stamped(pid, "chat_message")
            if bool(e.data.get("history")) == history
        ]

    async def until(
        self, pid: str, condition: Callable[[str], bool], *command: str, role: str = "player"
    ) -> str:
        answer = ""
        for _ in range(100):
            answer = await self.command(pid, *command, role=role)
            if condition(answer):
                return answer
            await asyncio.sleep(0.05)
        raise AssertionError(f"{command} never fit: {answer!r}")


@pytest.fixture(params=["memory", pytest.param("rabbitmq", marks=pytest.mark.services)])
def make_bus(request: pytest.FixtureRequest) -> MakeBus:
    if request.param == "memory":
        broker = InMemoryBroker()
        return lambda name: InMemoryBus(broker)
    url = request.getfixturevalue("amqp_url")
    return lambda name: AmqpBus(url, connection_name=name)


async def _shard(
    make_bus: MakeBus, settings: Callable[..., GameSettings], shard: str
) -> tuple[GameService, Bus]:
    bus = make_bus(f"game-{shard}")
    await bus.connect()
    service = GameService(
        settings(
            shard=shard,
            shard_map=SPLIT,
            heartbeat_interval_seconds=0.2,
            directory_snapshot_seconds=0.2,
        ),
        bus,
        MemoryJournal(),
    )
    await service.start()
    return service, bus


def _located(edge: Edge, pid: str, room: str) -> bool:
    updates = edge.stamped(pid, "room_update")
    return bool(updates) and updates[-1].data["room"]["id"] == room


def _system(edge: Edge, pid: str) -> list[tuple[str | None, str]]:
    return [(s, t) for s, t in edge.chats(pid) if t.startswith("[system]")]


async def test_an_admin_on_s1_moves_mutes_and_kicks_players_on_s2(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    peer = await peer_on(make_bus("test-peer"))
    s1, s1_bus = await _shard(make_bus, game_settings, "s1")
    s2, s2_bus = await _shard(make_bus, game_settings, "s2")
    edge = Edge(peer)
    try:
        for pid in ("alice", "bob", "carol", "dave", "erin"):
            await edge.join(pid)
        for pid in ("bob", "dave", "erin"):
            await edge.command(pid, "go", "north")
            await edge.send(pid, RoomBound(room_id=QUAD, **_ids(pid)))
        assert edge.route("alice") == "s1" and edge.route("bob") == "s2"

        # teleport, within s2: answered on s1 once s2 has done it.
        moved = await edge.until(
            "alice",
            lambda text: not text.startswith("There is no one"),
            "teleport",
            "Bob",
            "science-hall",
            role="admin",
        )
        assert moved == "Bob is now in Science Hall Laboratory (science-hall)."
        await peer.wait_until(lambda: _located(edge, "bob", "science-hall"))
        assert edge.route("bob") == "s2"
        assert _system(edge, "bob") == [
            ("s2", "[system] Alice moves you to Science Hall Laboratory.")
        ]
        left = [e for e in edge.stamped("dave", "player_left") if e.data["player_name"] == "Bob"]
        assert [e.shard for e in left] == ["s1", "s2"]  # walking north, then teleported

        # mute and unmute, on s2: Dave is told, and cannot speak until unmuted.
        assert await edge.command("alice", "mute", "Dave", "5", role="admin") == (
            "Dave is muted for 5 minutes."
        )
        assert _system(edge, "dave") == [
            ("s2", "[system] Alice has muted you for 5 minutes: you cannot speak until then.")
        ]
        refused = await edge.command("dave", "say", "hello")
        assert refused.startswith("You are muted for"), refused
        assert await edge.command("alice", "unmute", "Dave", role="admin") == (
            "Dave may speak again."
        )
        assert await edge.command("dave", "say", "hello") == "You say: hello"

        # kick, on s2: Erin is told why, closed with 4004, and leaves the world.
        assert await edge.command("alice", "kick", "Erin", "too", "loud", role="admin") == (
            "Erin is removed from the game."
        )
        assert ("s2", "[system] Alice has removed you from the game: too loud") in edge.chats(
            "erin"
        )
        await peer.wait_until(lambda: edge.stamped("erin", "disconnect") != [])
        closed = edge.stamped("erin", "disconnect")
        assert [(e.shard, e.data["code"]) for e in closed] == [("s2", 4004)]
        await edge.until("alice", lambda text: "Erin" not in text, "who")

        # summon, from s2 to Alice's room on s1: Dave crosses; Carol sees him come.
        seen = len(edge.stamped("carol", "player_entered"))
        assert await edge.command("alice", "summon", "Dave", role="admin") == (
            "Dave is now in Independence Square (independence-square)."
        )
        await peer.wait_until(lambda: _located(edge, "dave", SQUARE))
        assert edge.route("dave") == "s1"
        await peer.wait_until(lambda: len(edge.stamped("carol", "player_entered")) > seen)
        entered = edge.stamped("carol", "player_entered")[seen:]
        assert [(e.shard, e.data["player_name"]) for e in entered] == [("s1", "Dave")]

        # goto Bob, on s2: Alice crosses to him, answered by s2 with the room it holds.
        went = await edge.command("alice", "goto", "Bob", role="admin")
        assert went.startswith("You step between places.\nScience Hall Laboratory"), went
        assert "Bob" in went
        assert edge.route("alice") == "s2"
        came = [e for e in edge.stamped("bob", "player_entered") if "Alice" in str(e.data)]
        assert [e.shard for e in came] == ["s2"]
    finally:
        for service, bus in ((s1, s1_bus), (s2, s2_bus)):
            await service.stop()
            await bus.close()
        await peer.bus.close()


async def test_a_call_to_a_shard_that_does_not_answer_gives_up(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    s1, s1_bus = await _shard(lambda name: InMemoryBus(broker), game_settings, "s1")
    s2, s2_bus = await _shard(lambda name: InMemoryBus(broker), game_settings, "s2")
    edge = Edge(peer)
    try:
        for pid in ("alice", "bob"):
            await edge.join(pid)
        await edge.command("bob", "go", "north")
        await edge.until("alice", lambda text: "Bob" in text, "who")
        await s2.stop()  # Bob stays in s1's directory for a while
        started = asyncio.get_running_loop().time()
        answer = await edge.command("alice", "mute", "Bob", role="admin")
        waited = asyncio.get_running_loop().time() - started
        assert answer == "Could not reach Bob; try again."
        assert 4.9 < waited < 8, waited
    finally:
        await s1.stop()
        for bus in (s1_bus, s2_bus, peer.bus):
            await bus.close()
