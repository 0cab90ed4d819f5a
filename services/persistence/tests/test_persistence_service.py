"""The whole service over a bus: real RabbitMQ + PostgreSQL, and in-memory bus + SQLite."""

from __future__ import annotations

import asyncio
from typing import Any

from mythos_contracts.bus import Delivery
from mythos_contracts.persistence import LoadPlayerReply, PersistenceError
from mythos_contracts.routing import (
    DEAD_LETTER_QUEUE,
    PERSISTENCE_EXCHANGE,
    load_request_key,
    save_key,
)


async def test_load_save_and_load_again(backend: Any) -> None:
    service, _ = await backend.start_service()
    client = await backend.bus("game")
    try:
        fresh = await backend.loaded(client, "p1")
        assert fresh == LoadPlayerReply(player_id="p1", name="Armitage", room_id=None, version=0)

        await backend.save(client, "p1", "street", 1)
        await backend.save(client, "p1", "library", 2)

        async def at_version_2() -> bool:
            return (await backend.loaded(client, "p1")).version == 2

        await backend.eventually(at_version_2, what="p1 saved at version 2")
        assert (await backend.loaded(client, "p1")).room_id == "library"
    finally:
        await service.stop()


async def test_duplicate_and_older_saves_change_nothing(backend: Any) -> None:
    service, _ = await backend.start_service()
    client = await backend.bus("game")
    try:
        await backend.save(client, "p1", "library", 2)
        await backend.save(client, "p1", "attic", 2)  # redelivery of the same version
        await backend.save(client, "p1", "cellar", 1)  # an older state arriving late
        # Saves are handled in queue order: once this marker is stored, the stale
        # ones before it have been handled too.
        await backend.save(client, "marker", "street", 1)

        async def marker_stored() -> bool:
            return (await backend.loaded(client, "marker")).version == 1

        await backend.eventually(marker_stored, what="the marker save")
        reply = await backend.loaded(client, "p1")
        assert (reply.room_id, reply.version) == ("library", 2)
    finally:
        await service.stop()


async def test_bad_requests_get_an_error_reply(backend: Any) -> None:
    service, _ = await backend.start_service()
    client = await backend.bus("game")
    try:
        raw = await client.request(
            PERSISTENCE_EXCHANGE, load_request_key("load_player"), b'{"player_id": 7}'
        )
        error = PersistenceError.model_validate_json(raw)
        assert "invalid load_player request" in error.error

        raw = await client.request(PERSISTENCE_EXCHANGE, load_request_key("load_monster"), b"{}")
        error = PersistenceError.model_validate_json(raw)
        assert "unknown request" in error.error and "load_monster" in error.error

        # The service is still serving after both.
        assert (await backend.loaded(client, "p1")).version == 0
    finally:
        await service.stop()


async def test_every_request_kind_answers_bad_input_with_a_clear_error(backend: Any) -> None:
    service, _ = await backend.start_service()
    client = await backend.bus("game")
    try:
        for name in ("load_player", "chat_history", "save_handoff", "take_handoff"):
            for body in (b"not json", b"[]", b'{"unexpected": 1}'):
                raw = await client.request(PERSISTENCE_EXCHANGE, load_request_key(name), body)
                error = PersistenceError.model_validate_json(raw).error
                assert error.startswith(f"invalid {name} request: "), (name, body, error)
        assert (await backend.loaded(client, "p1")).version == 0
    finally:
        await service.stop()


async def test_malformed_saves_are_dead_lettered(backend: Any) -> None:
    service, _ = await backend.start_service()
    client = await backend.bus("game")
    dead: asyncio.Queue[Delivery] = asyncio.Queue()

    async def collect(delivery: Delivery) -> None:
        await dead.put(delivery)

    await client.consume(DEAD_LETTER_QUEUE, collect)
    try:
        await client.publish(PERSISTENCE_EXCHANGE, save_key("player"), b"not json")
        await client.publish(
            PERSISTENCE_EXCHANGE,
            save_key("player"),
            b'{"player_id": "p1", "name": "A", "room_id": "r", "version": 0}',
        )
        await client.publish(PERSISTENCE_EXCHANGE, save_key("monster"), b"{}")
        received = [await asyncio.wait_for(dead.get(), 10) for _ in range(3)]
        assert [d.body for d in received] == [
            b"not json",
            b'{"player_id": "p1", "name": "A", "room_id": "r", "version": 0}',
            b"{}",
        ]
        assert received[2].routing_key == "save.monster"

        # A good save behind them still goes through.
        await backend.save(client, "p1", "street", 1)

        async def saved() -> bool:
            return (await backend.loaded(client, "p1")).version == 1

        await backend.eventually(saved, what="the good save after the bad ones")
    finally:
        await service.stop()
