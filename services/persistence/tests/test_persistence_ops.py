"""Metrics and log lines of the running service, on both backends."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.ops.log_lines import JsonLogFormatter
from mythos_contracts.persistence import ChatLine, PlayerStateChanged
from mythos_contracts.routing import PERSISTENCE_EXCHANGE, save_key
from mythos_persistence.adapters.database import make_engine
from mythos_persistence.adapters.player_store import SqlPlayerStore
from mythos_persistence.bootstrap import PersistenceService
from mythos_persistence.service_layer.ports import StoreUnavailable
from mythos_persistence.settings import PersistenceSettings
from prometheus_client import REGISTRY

REFUSING_URL = "postgresql+asyncpg://postgres@127.0.0.1:1/mythos"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class JsonLines:
    def __init__(self, stream: io.StringIO) -> None:
        self._stream = stream

    def __call__(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self._stream.getvalue().splitlines()]


@pytest.fixture
def json_lines() -> Iterator[JsonLines]:
    """What the service logs, formatted as production formats it (one JSON object a line)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter("persistence"))
    logger = logging.getLogger("mythos_persistence")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield JsonLines(stream)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


async def test_saves_and_loads_move_their_metrics(backend: Any) -> None:
    ok_before = sample("mythos_persistence_writes_total", operation="save_player", outcome="ok")
    timed_before = sample("mythos_persistence_db_write_seconds_count", operation="save_player")
    reads_before = sample("mythos_persistence_db_read_seconds_count", operation="load_player")
    service, _ = await backend.start_service()
    client = await backend.bus("game")
    try:
        await backend.save(client, "p1", "street", 1)

        async def saved() -> bool:
            return (await backend.loaded(client, "p1")).version == 1

        await backend.eventually(saved, what="p1 saved")
    finally:
        await service.stop()
    assert (
        sample("mythos_persistence_writes_total", operation="save_player", outcome="ok")
        == ok_before + 1
    )
    assert (
        sample("mythos_persistence_db_write_seconds_count", operation="save_player")
        == timed_before + 1
    )
    assert sample("mythos_persistence_db_read_seconds_count", operation="load_player") > (
        reads_before
    )


async def test_chat_lines_are_counted_as_append_chat(backend: Any) -> None:
    before = sample("mythos_persistence_writes_total", operation="append_chat", outcome="ok")
    service, _ = await backend.start_service()
    client = await backend.bus("game")
    line = ChatLine(
        line_id="l1",
        scope="global",
        channel="global",
        player_id="p1",
        player_name="Armitage",
        message="hi",
        text="Armitage: hi",
        sent_at="2026-11-26T00:00:00Z",  # type: ignore[arg-type]
    )
    try:
        await client.publish(
            PERSISTENCE_EXCHANGE, save_key("chat"), line.model_dump_json().encode()
        )

        async def counted() -> bool:
            after = sample("mythos_persistence_writes_total", operation="append_chat", outcome="ok")
            return after == before + 1

        await backend.eventually(counted, what="the chat line write to be counted")
    finally:
        await service.stop()


async def test_a_failed_write_counts_as_error() -> None:
    before = sample("mythos_persistence_writes_total", operation="save_player", outcome="error")
    engine = make_engine(REFUSING_URL)
    store = SqlPlayerStore(engine)
    change = PlayerStateChanged(player_id="p1", name="Armitage", room_id="street", version=1)
    try:
        with pytest.raises(StoreUnavailable):
            await store.save_if_newer(change)
    finally:
        await engine.dispose()
    after = sample("mythos_persistence_writes_total", operation="save_player", outcome="error")
    assert after == before + 1


async def test_a_write_logs_at_debug_with_the_player_id(
    backend: Any, json_lines: JsonLines
) -> None:
    service, _ = await backend.start_service()
    client = await backend.bus("game")
    try:
        await backend.save(client, "p7", "street", 1)

        async def logged() -> bool:
            return any(line.get("operation") == "save_player" for line in json_lines())

        await backend.eventually(logged, what="the save to be logged")
    finally:
        await service.stop()
    [write] = [line for line in json_lines() if line.get("operation") == "save_player"]
    assert write["level"] == "debug"
    assert write["player_id"] == "p7"
    assert write["service"] == "persistence"
    assert isinstance(write["duration_ms"], float)


async def test_a_save_waiting_out_an_outage_logs_its_player_id(json_lines: JsonLines) -> None:
    bus = InMemoryBus(InMemoryBroker())
    await bus.connect()
    settings = PersistenceSettings(
        database_url=REFUSING_URL,
        retry_initial_seconds=0.05,
        retry_max_seconds=0.1,
        shutdown_grace_seconds=0.1,
    )
    service = PersistenceService(settings, bus)
    await service.start()
    change = PlayerStateChanged(player_id="p9", name="Armitage", room_id="attic", version=1)
    try:
        await bus.publish(
            PERSISTENCE_EXCHANGE, save_key("player"), change.model_dump_json().encode()
        )
        await asyncio.sleep(0.3)
    finally:
        await service.stop()
        await bus.close()
    retries = [line for line in json_lines() if "retrying in" in line["msg"]]
    assert retries, json_lines()
    assert all(line["player_id"] == "p9" and line["level"] == "warning" for line in retries)
    # Logged as the connection error it is, never with the database URL's credentials.
    assert all("postgres@" not in line["msg"] for line in retries)


async def test_a_dead_lettered_save_is_logged_with_its_player_id(
    backend: Any, json_lines: JsonLines
) -> None:
    service, _ = await backend.start_service()
    client = await backend.bus("game")
    # version 0 is never valid: this message can only be dead-lettered.
    body = json.dumps({"player_id": "p5", "name": "A", "room_id": "r", "version": 0})
    try:
        await client.publish(PERSISTENCE_EXCHANGE, save_key("player"), body.encode())

        async def logged() -> bool:
            return any(line["level"] == "error" for line in json_lines())

        await backend.eventually(logged, what="the failure to be logged")
    finally:
        await service.stop()
    [failure] = [line for line in json_lines() if line["level"] == "error"]
    assert failure["player_id"] == "p5"
    assert "ValidationError" in failure["msg"]


def test_log_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (PersistenceSettings().log_level, PersistenceSettings().log_format) == ("INFO", "json")
    monkeypatch.setenv("PERSISTENCE_LOG_LEVEL", "debug")
    monkeypatch.setenv("PERSISTENCE_LOG_FORMAT", "text")
    settings = PersistenceSettings()
    assert (settings.log_level, settings.log_format) == ("DEBUG", "text")
    monkeypatch.setenv("PERSISTENCE_LOG_FORMAT", "xml")
    with pytest.raises(ValueError):
        PersistenceSettings()
