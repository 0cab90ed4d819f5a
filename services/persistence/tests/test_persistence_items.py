"""Items in the game database: one row per item, versioned idempotent upserts, final
tombstones; the floor load and the held items of a player load. On SQLite and on the
real PostgreSQL, through the store and through the service on either bus."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from mythos_contracts.persistence import (
    ItemRecord,
    ItemStateChanged,
    LoadFloorItemsReply,
    LoadFloorItemsRequest,
    LoadPlayerReply,
    PersistenceError,
)
from mythos_contracts.routing import ITEM_SAVE_KEY, LOAD_FLOOR_ITEMS_KEY, PERSISTENCE_EXCHANGE
from mythos_persistence.adapters.item_store import SqlItemStore
from mythos_persistence.service_layer.item_handlers import handle_floor_items, handle_item_save
from mythos_persistence.service_layer.ports import StoreUnavailable
from mythos_persistence.service_layer.retry import Backoff
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine


def at(
    version: int,
    kind: str,
    where: str | None,
    *,
    item: str = "it-1",
    slot: str | None = None,
    origin: str | None = None,
    prototype: str = "brass-lantern",
) -> ItemStateChanged:
    return ItemStateChanged(
        item_id=item,
        prototype_id=prototype,
        location_kind=kind,  # type: ignore[arg-type]
        location_id=where,
        slot=slot,
        origin=origin,
        version=version,
    )


@pytest.fixture
async def items(engine: AsyncEngine) -> SqlItemStore:
    store = SqlItemStore(engine)
    await store.migrate()
    return store


async def test_moving_an_item_rewrites_its_one_row(items: SqlItemStore) -> None:
    assert await items.save_if_newer(at(10, "room", "shop", origin="shop/0"))
    assert [i.origin for i in await items.floor_items()] == ["shop/0"]
    assert await items.save_if_newer(at(11, "carried", "ada"))
    assert await items.floor_items() == []
    [held] = await items.held_by(["ada"])
    assert (held.item_id, held.location_kind, held.version) == ("it-1", "carried", 11)
    assert await items.save_if_newer(at(12, "worn", "ada", slot="off_hand"))
    assert [(i.location_kind, i.slot) for i in await items.held_by(["ada"])] == [
        ("worn", "off_hand")
    ]
    assert await items.held_by(["bob"]) == []


async def test_a_save_not_newer_than_the_row_changes_nothing(items: SqlItemStore) -> None:
    assert await items.save_if_newer(at(20, "carried", "ada"))
    assert not await items.save_if_newer(at(20, "carried", "bob"))  # a redelivery
    assert not await items.save_if_newer(at(19, "room", "shop"))  # overtaken
    assert [i.location_id for i in await items.held_by(["ada"])] == ["ada"]
    assert await items.held_by(["bob"]) == [] and await items.floor_items() == []


async def test_a_tombstone_is_final_whatever_comes_later(items: SqlItemStore) -> None:
    assert await items.save_if_newer(at(5, "carried", "ada"))
    assert await items.save_if_newer(at(6, "gone", None))
    assert not await items.save_if_newer(at(5, "carried", "ada"))
    assert not await items.save_if_newer(at(99, "room", "shop"))
    assert await items.held_by(["ada"]) == [] and await items.floor_items() == []


async def test_gives_between_players_in_any_order_leave_one_item(items: SqlItemStore) -> None:
    saves = [at(1, "carried", "ada"), at(2, "carried", "bob"), at(3, "carried", "cyd")]
    for change in (saves[2], saves[0], saves[1], saves[2], saves[0]):
        await items.save_if_newer(change)
    held = [await items.held_by([p]) for p in ("ada", "bob", "cyd")]
    assert [len(h) for h in held] == [0, 0, 1]


async def test_the_floor_lists_items_in_the_order_they_arrived(items: SqlItemStore) -> None:
    for n, version in ((3, 30), (1, 10), (2, 20)):
        await items.save_if_newer(at(version, "room", f"room-{n}", item=f"it-{n}"))
    assert [i.item_id for i in await items.floor_items()] == ["it-1", "it-2", "it-3"]


def test_a_record_must_name_a_whole_place() -> None:
    for bad in (
        {"location_kind": "room", "location_id": None},
        {"location_kind": "gone", "location_id": "shop"},
        {"location_kind": "worn", "location_id": "ada"},
        {"location_kind": "carried", "location_id": "ada", "slot": "head"},
        {"location_kind": "carried", "location_id": "ada", "origin": "shop/0"},
        {"location_kind": "room", "location_id": "shop", "version": 0},
    ):
        values = {"item_id": "it-1", "prototype_id": "p", "version": 1, **bad}
        with pytest.raises(ValidationError):
            ItemRecord.model_validate(values)


class _DownStore:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.saved: list[ItemStateChanged] = []

    async def save_if_newer(self, change: ItemStateChanged) -> bool:
        if self.failures:
            self.failures -= 1
            raise StoreUnavailable("down")
        self.saved.append(change)
        return True

    async def floor_items(self) -> list[ItemRecord]:
        raise StoreUnavailable("down")

    async def held_by(self, character_ids: Sequence[str]) -> list[ItemRecord]:
        raise StoreUnavailable("down")


async def test_an_item_save_waits_out_an_outage_and_a_floor_load_gets_an_error() -> None:
    store = _DownStore(failures=2)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    change = at(1, "carried", "ada")
    assert await handle_item_save(store, change, backoff=Backoff(0.01, 0.02), sleep=sleep)
    assert store.saved == [change] and len(slept) == 2
    reply = await handle_floor_items(store, LoadFloorItemsRequest())
    assert isinstance(reply, PersistenceError) and "unavailable" in reply.error


async def test_items_over_the_bus(backend: Any) -> None:
    service, _ = await backend.start_service()
    client = await backend.bus("game")
    try:
        for change in (
            at(1, "room", "shop", item="it-floor", origin="shop/0"),
            at(2, "carried", "ada", item="it-held"),
            at(3, "worn", "ada", item="it-worn", slot="body", prototype="oilskin-coat"),
            at(4, "gone", None, item="it-used"),
            at(1, "room", "shop", item="it-held"),  # stale, redelivered late
            at(1, "carried", "bob", item="it-marker"),  # saved after all of them
        ):
            body = change.model_dump_json().encode()
            await client.publish(PERSISTENCE_EXCHANGE, ITEM_SAVE_KEY, body)
        request = LoadFloorItemsRequest().model_dump_json().encode()

        async def floor() -> list[str]:
            raw = await client.request(PERSISTENCE_EXCHANGE, LOAD_FLOOR_ITEMS_KEY, request)
            return [i.item_id for i in LoadFloorItemsReply.model_validate_json(raw).items]

        async def held(player: str) -> list[str]:
            reply = LoadPlayerReply.model_validate_json(await backend.load(client, player))
            return sorted(i.item_id for i in reply.items)

        async def all_saved() -> bool:
            return await held("bob") == ["it-marker"]

        await backend.eventually(all_saved, what="every save applied")
        assert await held("ada") == ["it-held", "it-worn"]
        assert await floor() == ["it-floor"]
    finally:
        await service.stop()
