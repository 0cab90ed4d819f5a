"""A deleted character's items are destroyed in the database too (§3.8: item tombstones),
in the transaction that deletes it, idempotently; on SQLite and on PostgreSQL, through
the store and through the service on either bus."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from mythos_contracts.bus import Bus
from mythos_contracts.persistence import ItemStateChanged
from mythos_contracts.routing import ITEM_SAVE_KEY, PERSISTENCE_EXCHANGE, SAVE_CHARACTER_KEY
from mythos_persistence.adapters.character_store import SqlCharacterStore
from mythos_persistence.adapters.database import make_engine
from mythos_persistence.adapters.item_store import SqlItemStore
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import Backend
from .test_persistence_characters import change


def item(
    item_id: str, version: int, kind: str, where: str | None, **place: str
) -> ItemStateChanged:
    return ItemStateChanged(
        item_id=item_id,
        prototype_id="oilskin-coat" if kind == "worn" else "brass-lantern",
        location_kind=kind,  # type: ignore[arg-type]
        location_id=where,
        version=version,
        **place,  # type: ignore[arg-type]
    )


HELD = (
    item("it-ada-carried", 10, "carried", "c1"),
    item("it-ada-worn", 11, "worn", "c1", slot="body"),
    item("it-bob", 12, "carried", "c2"),
    item("it-floor", 13, "room", "street"),
    item("it-elsewhere", 14, "room", "c1"),  # a floor whose room id reads like c1: not held
)


@pytest.fixture
async def stores(engine: AsyncEngine) -> AsyncIterator[tuple[SqlCharacterStore, SqlItemStore]]:
    characters, items = SqlCharacterStore(engine), SqlItemStore(engine)
    await characters.migrate()
    yield characters, items


async def test_deleting_a_character_destroys_what_it_carries_and_wears(
    stores: tuple[SqlCharacterStore, SqlItemStore],
) -> None:
    characters, items = stores
    await characters.save_if_newer(change(1))
    await characters.save_if_newer(change(1, character_id="c2", name="Bob"))
    for held in HELD:
        assert await items.save_if_newer(held)

    assert await characters.save_if_newer(change(2, deleted=True))
    assert await items.held_by(["c1"]) == []
    assert [i.item_id for i in await items.held_by(["c2"])] == ["it-bob"]
    assert [i.item_id for i in await items.floor_items()] == ["it-floor", "it-elsewhere"]
    # The tombstones are final: a late save of where one was cannot bring it back.
    assert not await items.save_if_newer(item("it-ada-carried", 10_000, "carried", "c1"))
    assert await items.held_by(["c1"]) == []


async def test_a_redelivered_delete_changes_nothing_more(
    stores: tuple[SqlCharacterStore, SqlItemStore],
) -> None:
    characters, items = stores
    await characters.save_if_newer(change(1))
    await items.save_if_newer(HELD[0])
    assert await characters.save_if_newer(change(2, deleted=True))
    assert not await characters.save_if_newer(change(2, deleted=True))  # redelivered
    assert await items.held_by(["c1"]) == []
    assert await characters.for_account("a1") == []


async def test_saving_a_living_character_leaves_its_items_alone(
    stores: tuple[SqlCharacterStore, SqlItemStore],
) -> None:
    characters, items = stores
    await items.save_if_newer(HELD[0])
    assert await characters.save_if_newer(change(1))
    assert await characters.save_if_newer(change(2, dp=3))
    assert [i.item_id for i in await items.held_by(["c1"])] == ["it-ada-carried"]


async def test_the_service_destroys_a_deleted_characters_items(backend: Backend) -> None:
    service, _ = await backend.start_service()
    client: Bus = await backend.bus("game")
    engine = make_engine(backend.database_url)
    try:
        for character in (change(1, account_id="acct"), change(1, character_id="c2", name="Bob")):
            body = character.model_dump_json().encode()
            await client.publish(PERSISTENCE_EXCHANGE, SAVE_CHARACTER_KEY, body)
        for held in HELD:
            await client.publish(
                PERSISTENCE_EXCHANGE, ITEM_SAVE_KEY, held.model_dump_json().encode()
            )
        deleted = change(2, account_id="acct", deleted=True).model_dump_json().encode()
        for _ in range(2):  # the second a redelivery
            await client.publish(PERSISTENCE_EXCHANGE, SAVE_CHARACTER_KEY, deleted)
        marker = change(2, character_id="c2", name="Bob").model_dump_json().encode()
        await client.publish(PERSISTENCE_EXCHANGE, SAVE_CHARACTER_KEY, marker)  # saved last
        items = SqlItemStore(engine)

        async def all_saved() -> bool:
            return [c.version for c in await SqlCharacterStore(engine).for_account("a1")] == [2]

        await backend.eventually(all_saved, what="every save applied")
        assert await items.held_by(["c1"]) == []
        assert [i.item_id for i in await items.held_by(["c2"])] == ["it-bob"]
    finally:
        await engine.dispose()
        await service.stop()
