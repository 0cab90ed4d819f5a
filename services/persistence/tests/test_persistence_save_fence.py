"""The save fence (``save.fence``): answered only once every save queued before it is
written, so a load sent after its answer sees them all. Saves queued while the service
was down (a game killed with its last saves still queued), on either bus and database."""

from __future__ import annotations

import asyncio

from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.persistence import (
    FenceHandled,
    ItemStateChanged,
    LoadFloorItemsReply,
    LoadFloorItemsRequest,
    SaveFence,
)
from mythos_contracts.routing import (
    DEAD_LETTER_QUEUE,
    ITEM_SAVE_KEY,
    LOAD_FLOOR_ITEMS_KEY,
    PERSISTENCE_EXCHANGE,
    SAVE_FENCE_KEY,
)

from .conftest import Backend

MOVES = 60
"""Saves queued ahead of the fence: enough that a load not fenced is answered first."""


def item(item_id: str, version: int, kind: str, where: str | None) -> bytes:
    change = ItemStateChanged(
        item_id=item_id,
        prototype_id="brass-lantern",
        location_kind=kind,  # type: ignore[arg-type]
        location_id=where,
        version=version,
    )
    return change.model_dump_json().encode()


async def floor_ids(client: Bus) -> set[str]:
    body = LoadFloorItemsRequest().model_dump_json().encode()
    raw = await client.request(PERSISTENCE_EXCHANGE, LOAD_FLOOR_ITEMS_KEY, body, timeout=20)
    return {i.item_id for i in LoadFloorItemsReply.model_validate_json(raw).items}


async def test_a_fence_is_answered_once_every_save_queued_before_it_is_written(
    backend: Backend,
) -> None:
    client = await backend.bus("game")
    first, first_bus = await backend.start_service()
    await client.publish(PERSISTENCE_EXCHANGE, ITEM_SAVE_KEY, item("it-moved", 1, "room", "shop"))
    await client.publish(PERSISTENCE_EXCHANGE, ITEM_SAVE_KEY, item("it-used", 1, "room", "shop"))

    async def seeded() -> bool:
        return await floor_ids(client) == {"it-moved", "it-used"}

    await backend.eventually(seeded, what="the seed items on the floor")
    await first.stop()
    await first_bus.close()

    # The service is down: what the game saves now waits in the saves queue.
    for version in range(2, MOVES + 2):
        where = ("carried", "ada") if version % 2 == 1 else ("room", "street")
        await client.publish(PERSISTENCE_EXCHANGE, ITEM_SAVE_KEY, item("it-moved", version, *where))
    await client.publish(PERSISTENCE_EXCHANGE, ITEM_SAVE_KEY, item("it-used", 2, "gone", None))
    await client.publish(PERSISTENCE_EXCHANGE, ITEM_SAVE_KEY, item("it-new", 1, "room", "shop"))
    fence = SaveFence(fence_id="start-1").model_dump_json().encode()
    answer = asyncio.create_task(
        client.request(PERSISTENCE_EXCHANGE, SAVE_FENCE_KEY, fence, timeout=60)
    )
    await asyncio.sleep(0)  # the fence is queued behind those saves before anyone serves

    await backend.start_service()
    assert FenceHandled.model_validate_json(await answer).fence_id == "start-1"
    # it-moved's last save (version MOVES + 1, odd) carries it; it-used is destroyed.
    assert await floor_ids(client) == {"it-new"}


async def test_a_fence_nobody_can_be_answered_for_is_dead_lettered(backend: Backend) -> None:
    client = await backend.bus("game")
    dead: list[str] = []
    got = asyncio.Event()

    async def record(delivery: Delivery) -> None:
        dead.append(delivery.routing_key)
        got.set()

    await client.consume(DEAD_LETTER_QUEUE, record)
    await backend.start_service()
    await client.publish(
        PERSISTENCE_EXCHANGE, SAVE_FENCE_KEY, SaveFence(fence_id="f").model_dump_json().encode()
    )
    async with asyncio.timeout(20):
        await got.wait()
    assert dead == [SAVE_FENCE_KEY]
