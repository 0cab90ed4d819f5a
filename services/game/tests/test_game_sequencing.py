"""The dispatcher and publisher over a bus: per-player gapless streams, room events
published once per room, and per-player copies only until the edge confirms a room."""

from __future__ import annotations

import asyncio
from pathlib import Path

from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EventEnvelope, PlayerCommand, RoomBound, SessionOpened
from mythos_contracts.persistence import LoadPlayerReply, LoadPlayerRequest
from mythos_contracts.routing import (
    EVENTS_EXCHANGE,
    PERSISTENCE_REQUESTS_QUEUE,
    PERSISTENCE_SAVES_QUEUE,
)
from mythos_game.adapters.persistence_client import PersistenceClient
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.roster import Roster
from mythos_game.service_layer.dispatcher import Dispatcher
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.sequencer import Sequencer

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")


async def _game() -> tuple[Dispatcher, InMemoryBus, list[tuple[str, EventEnvelope]], list[bytes]]:
    broker = InMemoryBroker()
    bus = InMemoryBus(broker)
    await bus.connect()
    published: list[tuple[str, EventEnvelope]] = []
    saves: list[bytes] = []
    await bus.declare_queue("spy", exclusive=True, dead_letter=False)
    await bus.bind("spy", EVENTS_EXCHANGE, "#")

    async def spy(delivery) -> None:  # type: ignore[no-untyped-def]
        published.append((delivery.routing_key, EventEnvelope.model_validate_json(delivery.body)))

    async def persistence(delivery) -> None:  # type: ignore[no-untyped-def]
        request = LoadPlayerRequest.model_validate_json(delivery.body)
        reply = LoadPlayerReply(
            player_id=request.player_id, name=request.name, room_id=None, version=0
        )
        await bus.reply(delivery, reply.model_dump_json().encode())

    async def saved(delivery) -> None:  # type: ignore[no-untyped-def]
        saves.append(delivery.body)

    await bus.consume("spy", spy)
    await bus.consume(PERSISTENCE_REQUESTS_QUEUE, persistence)
    await bus.consume(PERSISTENCE_SAVES_QUEUE, saved)
    roster, sequencer = Roster(), Sequencer()
    dispatcher = Dispatcher(
        WORLD,
        roster,
        sequencer,
        EventPublisher(bus, roster, sequencer),
        PersistenceClient(bus, timeout=1.0, attempts=1),
    )
    return dispatcher, bus, published, saves


def _ids(pid: str) -> dict[str, str]:
    return {"player_id": pid, "session_id": f"s-{pid}", "edge_id": "e1"}


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_streams_are_gapless_and_room_events_go_once_per_room() -> None:
    game, bus, published, saves = await _game()
    await game.handle(SessionOpened(player_name="Alice", **_ids("a")))
    await game.handle(RoomBound(room_id=WORLD.start_room, **_ids("a")))
    await game.handle(SessionOpened(player_name="Bob", **_ids("b")))
    await game.handle(RoomBound(room_id=WORLD.start_room, **_ids("b")))
    await game.handle(PlayerCommand(command="say", args=["hi"], command_id="c1", **_ids("b")))
    await _settle()

    says = [(k, e) for k, e in published if e.event_type == "chat_message"]
    assert len(says) == 1, "a room event is published once"
    key, envelope = says[0]
    assert key == f"room.{WORLD.start_room}.chat_message"
    assert set(envelope.recipients) == {"a"}

    for pid in ("a", "b"):
        numbers = [e.recipients[pid] for _, e in published if pid in e.recipients]
        assert numbers == list(range(1, len(numbers) + 1))
    assert len(saves) == 2, "each new player is placed and saved once"
    await bus.close()


async def test_a_player_who_just_arrived_gets_own_copies_until_the_room_is_bound() -> None:
    game, bus, published, _ = await _game()
    for pid, name in (("a", "Alice"), ("b", "Bob")):
        await game.handle(SessionOpened(player_name=name, **_ids(pid)))
        await game.handle(RoomBound(room_id=WORLD.start_room, **_ids(pid)))
    await game.handle(PlayerCommand(command="north", **_ids("a")))
    north = WORLD.room(WORLD.start_room).exits["north"]
    await game.handle(PlayerCommand(command="north", **_ids("b")))
    published.clear()
    # Alice's edge has not yet confirmed the new room: Bob's say reaches her by her player key.
    await game.handle(PlayerCommand(command="say", args=["psst"], **_ids("b")))
    await _settle()
    (key, envelope), *_ = [(k, e) for k, e in published if e.event_type == "chat_message"]
    assert key == "player.a.chat_message" and set(envelope.recipients) == {"a"}

    published.clear()
    await game.handle(RoomBound(room_id=north, **_ids("a")))
    await game.handle(PlayerCommand(command="say", args=["now"], **_ids("b")))
    await _settle()
    (key, envelope), *_ = [(k, e) for k, e in published if e.event_type == "chat_message"]
    assert key == f"room.{north}.chat_message" and set(envelope.recipients) == {"a"}
    await bus.close()


async def test_a_stale_room_bound_is_ignored() -> None:
    game, bus, published, _ = await _game()
    for pid, name in (("a", "Alice"), ("b", "Bob")):
        await game.handle(SessionOpened(player_name=name, **_ids(pid)))
    await game.handle(PlayerCommand(command="north", **_ids("a")))
    await game.handle(PlayerCommand(command="north", **_ids("b")))
    # A confirmation for the room Alice already left must not mark the new one bound.
    await game.handle(RoomBound(room_id=WORLD.start_room, **_ids("a")))
    published.clear()
    await game.handle(PlayerCommand(command="say", args=["x"], **_ids("b")))
    await _settle()
    keys = [k for k, e in published if e.event_type == "chat_message"]
    assert keys == ["player.a.chat_message"]
    await bus.close()


async def test_commands_from_a_replaced_session_are_ignored() -> None:
    game, bus, published, _ = await _game()
    await game.handle(SessionOpened(player_name="Alice", **_ids("a")))
    newer = {"player_id": "a", "session_id": "s-new", "edge_id": "e2"}
    await game.handle(SessionOpened(player_name="Alice", **newer))
    await _settle()
    closing = [e for _, e in published if e.event_type == "disconnect"]
    assert closing and closing[0].session_id == "s-a" and closing[0].data["code"] == 4001
    published.clear()
    await game.handle(PlayerCommand(command="look", command_id="old", **_ids("a")))
    await _settle()
    assert published == []
    await bus.close()
