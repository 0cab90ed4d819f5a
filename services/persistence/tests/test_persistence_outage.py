"""Saves wait out a database outage in their queue and are written once it returns."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from mythos_contracts.bus import Delivery
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.persistence import (
    LoadPlayerReply,
    LoadPlayerRequest,
    PersistenceError,
    PlayerStateChanged,
)
from mythos_contracts.routing import (
    DEAD_LETTER_QUEUE,
    PERSISTENCE_EXCHANGE,
    PERSISTENCE_SAVES_QUEUE,
    load_request_key,
    save_key,
)
from mythos_persistence.adapters.database import make_engine
from mythos_persistence.adapters.player_store import SqlPlayerStore
from mythos_persistence.bootstrap import PersistenceService
from mythos_persistence.service_layer.handlers import handle_save
from mythos_persistence.service_layer.ports import StoreUnavailable
from mythos_persistence.service_layer.retry import Backoff
from mythos_persistence.settings import PersistenceSettings

FAST_RETRY = {"retry_initial_seconds": 0.05, "retry_max_seconds": 0.2}
# Nothing listens on port 1: every connection attempt is refused at once.
REFUSING_URL = "postgresql+asyncpg://postgres@127.0.0.1:1/mythos"


@dataclass
class LateDatabase:
    """A PostgreSQL database that does not exist until ``create()``."""

    url: str
    name: str
    admin: asyncpg.Connection

    async def create(self) -> None:
        await self.admin.execute(f'CREATE DATABASE "{self.name}"')


@pytest.fixture
async def late_database(database_url: str) -> AsyncIterator[LateDatabase]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") + "_late"
    admin = await asyncpg.connect(urlunsplit(("postgresql", parts.netloc, "/postgres", "", "")))
    try:
        yield LateDatabase(
            urlunsplit((parts.scheme, parts.netloc, "/" + name, "", "")), name, admin
        )
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def save_body(player_id: str, room_id: str, version: int) -> bytes:
    change = PlayerStateChanged(
        player_id=player_id, name="Armitage", room_id=room_id, version=version
    )
    return change.model_dump_json().encode()


async def load(client: AmqpBus | InMemoryBus, player_id: str) -> bytes:
    body = LoadPlayerRequest(player_id=player_id, name="Armitage").model_dump_json().encode()
    return await client.request(PERSISTENCE_EXCHANGE, load_request_key("load_player"), body)


async def wait_for_version(
    client: AmqpBus | InMemoryBus, player_id: str, version: int
) -> LoadPlayerReply:
    for _ in range(200):
        raw = await load(client, player_id)
        try:
            reply = LoadPlayerReply.model_validate_json(raw)
        except ValueError:
            reply = None
        if reply is not None and reply.version == version:
            return reply
        await asyncio.sleep(0.05)
    pytest.fail(f"{player_id} never reached version {version}; last reply {raw!r}")


async def test_saves_wait_while_postgres_is_missing_and_land_when_it_appears(
    amqp_url: str, late_database: LateDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    settings = PersistenceSettings(database_url=late_database.url, **FAST_RETRY)
    service_bus = AmqpBus(amqp_url, connection_name="persistence")
    client = AmqpBus(amqp_url, connection_name="game")
    await service_bus.connect()
    await client.connect()
    service = PersistenceService(settings, service_bus)
    dead: list[Delivery] = []

    async def collect(delivery: Delivery) -> None:
        dead.append(delivery)

    await client.consume(DEAD_LETTER_QUEUE, collect)
    try:
        await service.start()  # does not wait for, nor fail on, the missing database

        # Loads are answered at once, with a clear error.
        error = PersistenceError.model_validate_json(await load(client, "p1"))
        assert "database unavailable" in error.error
        with pytest.raises(StoreUnavailable):
            await service.check_database()

        await client.publish(PERSISTENCE_EXCHANGE, save_key("player"), save_body("p1", "street", 1))
        await client.publish(
            PERSISTENCE_EXCHANGE, save_key("player"), save_body("p1", "library", 2)
        )
        await asyncio.sleep(0.6)  # several failed attempts
        retries = [r for r in caplog.records if "retrying in" in r.getMessage()]
        assert len(retries) >= 3

        await late_database.create()
        reply = await wait_for_version(client, "p1", 2)
        assert reply.room_id == "library"
        await service.check_database()
        assert dead == []
    finally:
        await service.stop()
        await client.close()
        await service_bus.close()


async def test_a_save_waiting_at_shutdown_goes_back_to_the_queue(
    amqp_url: str, late_database: LateDatabase
) -> None:
    settings = PersistenceSettings(
        database_url=late_database.url, shutdown_grace_seconds=0.1, **FAST_RETRY
    )
    client = AmqpBus(amqp_url, connection_name="game")
    await client.connect()
    first_bus = AmqpBus(amqp_url, connection_name="persistence-1")
    await first_bus.connect()
    first = PersistenceService(settings, first_bus)
    await first.start()
    await client.publish(PERSISTENCE_EXCHANGE, save_key("player"), save_body("p1", "attic", 1))
    await asyncio.sleep(0.3)  # the save is now retrying inside the first instance
    await first.stop()
    await first_bus.close()

    await late_database.create()
    second_bus = AmqpBus(amqp_url, connection_name="persistence-2")
    await second_bus.connect()
    second = PersistenceService(settings, second_bus)
    try:
        await second.start()
        reply = await wait_for_version(client, "p1", 1)
        assert reply.room_id == "attic"
    finally:
        await second.stop()
        await second_bus.close()
        await client.close()


async def test_in_memory_a_save_waiting_at_shutdown_is_kept(tmp_path: Path) -> None:
    broker = InMemoryBroker()
    first_bus = InMemoryBus(broker)
    await first_bus.connect()
    first = PersistenceService(
        PersistenceSettings(database_url=REFUSING_URL, shutdown_grace_seconds=0.1, **FAST_RETRY),
        first_bus,
    )
    await first.start()
    await first_bus.publish(PERSISTENCE_EXCHANGE, save_key("player"), save_body("p1", "attic", 1))
    await asyncio.sleep(0.3)
    await first.stop()
    await first_bus.close()
    assert broker.queues[PERSISTENCE_SAVES_QUEUE].items.qsize() == 1
    assert broker.queues[DEAD_LETTER_QUEUE].items.qsize() == 0

    second_bus = InMemoryBus(broker)
    await second_bus.connect()
    settings = PersistenceSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/game.db")
    second = PersistenceService(settings, second_bus)
    try:
        await second.start()
        reply = await wait_for_version(second_bus, "p1", 1)
        assert reply.room_id == "attic"
    finally:
        await second.stop()
        await second_bus.close()


async def test_deliveries_after_stop_are_held_not_acked(tmp_path: Path) -> None:
    broker = InMemoryBroker()
    bus = InMemoryBus(broker)
    await bus.connect()
    settings = PersistenceSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/game.db")
    service = PersistenceService(settings, bus)
    await service.start()
    await service.stop()
    await bus.publish(PERSISTENCE_EXCHANGE, save_key("player"), save_body("p1", "attic", 1))
    await asyncio.sleep(0.1)
    await bus.close()
    assert broker.queues[PERSISTENCE_SAVES_QUEUE].items.qsize() == 1
    assert broker.queues[DEAD_LETTER_QUEUE].items.qsize() == 0


async def test_saves_survive_postgres_dropping_every_connection(database_url: str) -> None:
    """What a PostgreSQL restart looks like to a running service, without restarting it."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = await asyncpg.connect(urlunsplit(("postgresql", parts.netloc, "/postgres", "", "")))
    engine = make_engine(database_url)
    store = SqlPlayerStore(engine)
    backoff = Backoff(0.05, 0.2)
    try:
        change = PlayerStateChanged(player_id="p1", name="Armitage", room_id="street", version=1)
        assert await handle_save(store, change, backoff=backoff)
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        newer = change.model_copy(update={"room_id": "library", "version": 2})
        assert await handle_save(store, newer, backoff=backoff)
        stored = await store.load("p1")
        assert stored is not None and stored.room_id == "library"
    finally:
        await engine.dispose()
        await admin.close()
