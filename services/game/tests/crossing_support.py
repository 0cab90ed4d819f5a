"""What the crossing tests share (``test_game_crossing*.py``): two games on one bus, whose
maps split the shipped world (``world/shards.2.json``): Independence Square is s1's, the
Miskatonic quad north of it s2's. The test is the edge: ``Edge`` sends each player's
inputs to the shard that stamped their newest message (the lobby, hosted by s1, until
one did), as edges route. On the in-process bus, and on RabbitMQ (a vhost of its own)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from mythos_contracts.bus import Bus
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.bus.journal import Journal, MemoryJournal
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EventEnvelope, PlayerCommand, RoomBound, SessionOpened
from mythos_contracts.routing import COMMANDS_EXCHANGE, LOBBY_SHARD, command_key
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings

Peer = Any  # conftest.py's; not importable by name under --import-mode=importlib
PeerOn = Callable[[Bus], Awaitable[Any]]
MakeBus = Callable[[str], Bus]
SPLIT = Path(__file__).parents[1] / "world" / "shards.2.json"
SQUARE, QUAD = "independence-square", "miskatonic-quad"


class Edge:
    """Sends as an edge does: each player's inputs to the shard of their newest message."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer

    def route(self, pid: str) -> str:
        stamped = [e for e in self.peer.events if pid in e.recipients and e.shard is not None]
        return max(stamped, key=lambda e: e.recipients[pid]).shard if stamped else LOBBY_SHARD

    async def send(self, pid: str, message: Any, shard: str | None = None) -> None:
        key = command_key(shard or self.route(pid), pid)
        await self.peer.bus.publish(COMMANDS_EXCHANGE, key, message.model_dump_json().encode())

    async def command(
        self, pid: str, command: str, *args: str, command_id: str, shard: str | None = None
    ) -> dict[str, Any]:
        """Send a command and wait for its answer (the newest for ``command_id``)."""
        before = len(self.answers(pid, command_id))
        message = PlayerCommand(**ids(pid), command=command, args=list(args), command_id=command_id)
        await self.send(pid, message, shard)
        await self.peer.wait_until(lambda: len(self.answers(pid, command_id)) > before)
        return self.answers(pid, command_id)[-1]

    def answers(self, pid: str, command_id: str) -> list[dict[str, Any]]:
        return [r for r in self.peer.responses(pid) if r["command_id"] == command_id]

    async def join(self, pid: str) -> None:
        await self.send(pid, SessionOpened(**ids(pid)))
        await self.peer.wait_until(lambda: kinds(self.peer, pid).count("game_state") == 1)
        await self.send(pid, RoomBound(room_id=SQUARE, **ids(pid)))

    async def walk(self, pid: str, direction: str, room: str, command_id: str) -> dict[str, Any]:
        answer = await self.command(pid, "go", direction, command_id=command_id)
        await self.send(pid, RoomBound(room_id=room, **ids(pid)))
        return answer


def ids(pid: str) -> dict[str, str]:
    return {
        "player_id": pid,
        "player_name": pid.title(),
        "connection_id": f"c-{pid}",
        "edge_id": "edge-1",
    }


def delivered(peer: Peer, pid: str) -> list[tuple[int, EventEnvelope]]:
    """What ``pid``'s edge delivers, heartbeats aside: each number once, in order."""
    seen: dict[int, EventEnvelope] = {}
    for e in peer.events:
        if pid not in e.recipients or e.event_type in ("heartbeat", "disconnect"):
            continue
        seq = e.recipients[pid]
        if seq in seen:
            assert seen[seq].data == e.data, f"{pid}: two different messages numbered {seq}"
            continue
        seen[seq] = e
    return sorted(seen.items(), key=lambda item: item[0])


def kinds(peer: Peer, pid: str) -> list[str]:
    return [e.event_type for _, e in delivered(peer, pid)]


def chats(peer: Peer, pid: str) -> list[str]:
    return [e.data["message"] for _, e in delivered(peer, pid) if e.event_type == "chat_message"]


def presence(peer: Peer, pid: str, kind: str) -> list[tuple[str | None, str]]:
    """``(shard, name)`` of each ``player_entered``/``player_left`` ``pid`` got."""
    return [
        (e.shard, e.data["player_name"]) for _, e in delivered(peer, pid) if e.event_type == kind
    ]


@pytest.fixture(params=["memory", pytest.param("rabbitmq", marks=pytest.mark.services)])
def make_bus(request: pytest.FixtureRequest) -> MakeBus:
    """Connections to one broker: the in-process one, or a RabbitMQ vhost of the test's."""
    if request.param == "memory":
        broker = InMemoryBroker()
        return lambda name: InMemoryBus(broker)
    url = request.getfixturevalue("amqp_url")
    return lambda name: AmqpBus(url, connection_name=name)


async def start_shard(
    make_bus: MakeBus,
    settings: Callable[..., GameSettings],
    shard: str,
    *,
    zone_map: Journal | None = None,
    **overrides: object,
) -> tuple[GameService, Bus, MemoryJournal]:
    """A started game on ``shard`` of the split map (heartbeats every 0.2 s), with its
    bus and journal; ``zone_map``: the zone map log; ``overrides``: other settings."""
    journal = MemoryJournal()
    values = {"shard_map": SPLIT, "heartbeat_interval_seconds": 0.2, **overrides}
    service, bus = await start_game(
        make_bus, f"game-{shard}", settings(**values, shard=shard), journal, zone_map=zone_map
    )
    return service, bus, journal


async def start_game(
    make_bus: MakeBus,
    name: str,
    settings: GameSettings,
    journal: Journal | None,
    *,
    zone_map: Journal | None = None,
) -> tuple[GameService, Bus]:
    """A started game with ``settings`` and ``journal`` (``None``: it runs without one),
    on a new connection ``name``; its bus. For a game the test crashes and restarts."""
    bus = make_bus(name)
    await bus.connect()
    service = GameService(settings, bus, journal, zone_map=zone_map)
    await service.start()
    return service, bus


async def stop_all(peer: Peer, *games: tuple[GameService, Bus]) -> None:
    """Stop each game and close its bus, then close the peer's."""
    for service, bus in games:
        await service.stop()
        await bus.close()
    await peer.bus.close()
