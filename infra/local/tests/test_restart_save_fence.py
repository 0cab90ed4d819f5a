"""A game starting while the previous game's last saves still wait in the saves queue
(killed with them queued, persistence stalled) loads only once they are written: the
save fence (docs/architecture.md, "Saves and loads across a restart"). The game and
persistence services in one process as embedded mode runs them, on the in-process bus
with SQLite and on RabbitMQ with PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EventEnvelope, PlayerCommand
from mythos_contracts.persistence import (
    ItemStateChanged,
    LoadFloorItemsReply,
    LoadFloorItemsRequest,
)
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    DEFAULT_SHARD,
    EVENTS_EXCHANGE,
    GAME_SYNC_KEY,
    ITEM_SAVE_KEY,
    LOAD_FLOOR_ITEMS_KEY,
    PERSISTENCE_EXCHANGE,
    command_key,
)
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings
from mythos_persistence.bootstrap import PersistenceService
from mythos_persistence.settings import PersistenceSettings

ROOM = "independence-square"  # the start room, where a first look stands
MOVES = 60
"""Moves queued ahead of the game's loads: enough that a load not fenced is answered
before the last of them is written."""


def item(item_id: str, version: int, kind: str, where: str | None) -> bytes:
    change = ItemStateChanged(
        item_id=item_id,
        prototype_id="brass-lantern",
        location_kind=kind,  # type: ignore[arg-type]
        location_id=where,
        version=version,
    )
    return change.model_dump_json().encode()


@pytest.fixture(
    params=["memory+sqlite", pytest.param("rabbitmq+postgres", marks=pytest.mark.services)]
)
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Callable[[], Bus], str]]:
    """A factory of connected-to-be buses on one broker, and the game database's URL."""
    made: list[Bus] = []
    if request.param == "memory+sqlite":
        broker = InMemoryBroker()
        url = f"sqlite+aiosqlite:///{tmp_path}/game.db"

        def new_bus() -> Bus:
            made.append(InMemoryBus(broker))
            return made[-1]
    else:
        amqp_url = request.getfixturevalue("amqp_url")
        url = request.getfixturevalue("database_url")

        def new_bus() -> Bus:
            made.append(AmqpBus(amqp_url, connection_name="fence-test"))
            return made[-1]

    yield new_bus, url
    for bus in reversed(made):
        await bus.close()


async def persistence(new_bus: Callable[[], Bus], url: str) -> PersistenceService:
    bus = new_bus()
    await bus.connect()
    service = PersistenceService(PersistenceSettings(database_url=url), bus)
    await service.start()
    return service


async def test_a_game_started_with_saves_still_queued_loads_them_all(
    backend: tuple[Callable[[], Bus], str], caplog: pytest.LogCaptureFixture
) -> None:
    new_bus, url = backend
    client = new_bus()
    await client.connect()
    first = await persistence(new_bus, url)
    await client.publish(PERSISTENCE_EXCHANGE, ITEM_SAVE_KEY, item("it-moved", 1, "room", ROOM))
    await client.publish(PERSISTENCE_EXCHANGE, ITEM_SAVE_KEY, item("it-used", 1, "room", ROOM))
    ask = LoadFloorItemsRequest().model_dump_json().encode()
    async with asyncio.timeout(30):
        while True:  # the seed is stored
            raw = await client.request(PERSISTENCE_EXCHANGE, LOAD_FLOOR_ITEMS_KEY, ask)
            if len(LoadFloorItemsReply.model_validate_json(raw).items) == 2:
                break
    await first.stop()

    # Persistence stalls; the old game's last saves wait: it-moved ends carried away,
    # it-used destroyed, it-new dropped on the square.
    for version in range(2, MOVES + 2):
        where = ("carried", "ada") if version % 2 == 1 else ("room", ROOM)
        await client.publish(PERSISTENCE_EXCHANGE, ITEM_SAVE_KEY, item("it-moved", version, *where))
    await client.publish(PERSISTENCE_EXCHANGE, ITEM_SAVE_KEY, item("it-used", 2, "gone", None))
    await client.publish(PERSISTENCE_EXCHANGE, ITEM_SAVE_KEY, item("it-new", 1, "room", ROOM))

    game_bus = new_bus()
    await game_bus.connect()
    settings: Any = {
        "edge_sync_seconds": 0,
        "handoff": False,
        "persistence_timeout": 0.5,
        "chat_history_timeout_seconds": 0.5,
        "save_fence_timeout_seconds": 0.5,
    }
    game = GameService(GameSettings(**settings), game_bus)
    caplog.set_level(logging.WARNING, logger="mythos_game.bootstrap")
    starting = asyncio.create_task(game.start())
    async with asyncio.timeout(30):
        # Polled: the log is watched from outside, with nothing to await.
        while not caplog.records:  # noqa: ASYNC110 (the game says it waits for persistence)
            await asyncio.sleep(0.05)
    assert not starting.done(), "the game started with persistence down"

    await persistence(new_bus, url)  # resumes: the queued saves, then the fence
    try:
        async with asyncio.timeout(60):
            await starting
        floor = await floor_seen_by_a_look(client)
    finally:
        await game.stop()
    assert "it-new" in floor, floor
    assert "it-moved" not in floor, "loaded where it lay before its last (queued) move"
    assert "it-used" not in floor, "a destroyed item came back"
    waits = [r.getMessage() for r in caplog.records if "save fence" in r.getMessage()]
    assert waits and "sending it again" in waits[0], caplog.records


async def floor_seen_by_a_look(client: Bus) -> list[str]:
    """The item ids on the start room's floor, as the game shows them to a newcomer."""
    states: list[EventEnvelope] = []
    seen = asyncio.Event()

    async def record(delivery: Delivery) -> None:
        if delivery.routing_key == GAME_SYNC_KEY:
            return  # the game asking edges who is connected: no envelope
        for envelope in EventEnvelope.model_validate_json(delivery.body).carried():
            if envelope.event_type == "game_state":
                states.append(envelope)
                seen.set()

    await client.declare_queue("test.events", exclusive=True, dead_letter=False)
    await client.bind("test.events", EVENTS_EXCHANGE, "#")
    await client.consume("test.events", record)
    look = PlayerCommand(
        player_id="zed",
        player_name="Zed",
        connection_id="c-zed",
        edge_id="edge-1",
        command="look",
        args=[],
        command_id="z-1",
    )
    await client.publish(
        COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "zed"), look.model_dump_json().encode()
    )
    async with asyncio.timeout(30):
        await seen.wait()
    return [thing["id"] for thing in states[0].data["room"]["items"]]
