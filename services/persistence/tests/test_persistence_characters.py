"""Characters in the SQL store, on SQLite and on the real PostgreSQL: the 0004 backfill,
versioned idempotent upserts, soft deletes that free names, and the service's routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from mythos_contracts.bus import Bus
from mythos_contracts.events import Characteristics
from mythos_contracts.persistence import (
    CharacterNamesReply,
    CharacterNamesRequest,
    CharacterState,
    CharacterStateChanged,
    PlayerStateChanged,
)
from mythos_contracts.routing import (
    CHARACTER_NAMES_REQUEST_KEY,
    PERSISTENCE_EXCHANGE,
    SAVE_CHARACTER_KEY,
    save_key,
)
from mythos_persistence.adapters import tables
from mythos_persistence.adapters.character_store import SqlCharacterStore
from mythos_persistence.adapters.migrations import upgrade_to_head
from mythos_persistence.adapters.player_store import SqlPlayerStore
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import Backend

STANDARD = {key: 50 for key in ("str", "con", "siz", "dex", "cha", "int", "pow", "edu", "luck")}


def change(
    version: int,
    *,
    character_id: str = "c1",
    account_id: str = "a1",
    name: str = "Ada",
    dp: int = 20,
    room: str | None = "street",
    deleted: bool = False,
) -> CharacterStateChanged:
    return CharacterStateChanged(
        character_id=character_id,
        account_id=account_id,
        name=name,
        profession="drifter",
        characteristics=Characteristics.model_validate(STANDARD),
        state=CharacterState(dp=dp, mp=10, lucidity=100, encounters={"ghoul": 2}),
        room_id=room,
        version=version,
        deleted=deleted,
    )


@pytest.fixture
async def characters(engine: AsyncEngine) -> AsyncIterator[SqlCharacterStore]:
    store = SqlCharacterStore(engine)
    await store.migrate()
    yield store


async def test_the_migration_gives_every_player_a_standard_character(engine: AsyncEngine) -> None:
    await upgrade_to_head(engine, "0004")
    now = datetime.now(UTC)
    async with engine.begin() as connection:
        for pid, name, room in (("p1", "Ada", "orne-library"), ("p2", "ada", None)):
            await connection.execute(
                sa.text(
                    "INSERT INTO players (player_id, name, room_id, version, updated_at)"
                    " VALUES (:p, :n, :r, 3, :t)"
                ),
                {"p": pid, "n": name, "r": room, "t": now},
            )
    store = SqlCharacterStore(engine)
    await store.migrate()
    first, second = await store.for_account("p1"), await store.for_account("p2")
    assert [(c.character_id, c.name, c.profession, c.room_id) for c in first] == [
        ("p1", "Ada", "drifter", "orne-library")
    ]
    # Names are unique case-insensitively: the second of two such players gets a suffix.
    assert [(c.character_id, c.name, c.room_id) for c in second] == [("p2", "ada1", None)]
    record = first[0]
    assert record.characteristics.as_dict() == STANDARD
    assert (record.state.dp, record.state.mp, record.state.lucidity, record.state.xp) == (
        20,
        10,
        100,
        0,
    )
    player = await SqlPlayerStore(engine).load("p1")
    assert player is not None and player.active_character_id == "p1"


async def test_versioned_upsert_applies_only_newer_versions(
    characters: SqlCharacterStore,
) -> None:
    assert await characters.save_if_newer(change(5, dp=20)) is True
    assert await characters.save_if_newer(change(5, dp=3)) is False  # a redelivery
    assert await characters.save_if_newer(change(4, dp=1)) is False  # older
    assert await characters.save_if_newer(change(1_700_000_000_000, dp=-4, room="attic"))
    (stored,) = await characters.for_account("a1")
    assert (stored.version, stored.state.dp, stored.room_id) == (1_700_000_000_000, -4, "attic")
    assert stored.state.encounters == {"ghoul": 2}


async def test_a_deleted_character_is_gone_and_frees_its_name(
    characters: SqlCharacterStore,
) -> None:
    await characters.save_if_newer(change(1))
    await characters.save_if_newer(change(1, character_id="c2", name="Bob"))
    assert await characters.save_if_newer(change(2, deleted=True)) is True
    assert [c.character_id for c in await characters.for_account("a1")] == ["c2"]
    assert {n.name for n in await characters.active_names()} == {"Bob"}
    # The name is free: another account's character may take it, in any case.
    assert await characters.save_if_newer(change(1, character_id="c3", account_id="a2", name="ADA"))
    # A late, older save of the deleted character cannot bring it back.
    assert await characters.save_if_newer(change(1)) is False
    assert [c.name for c in await characters.for_account("a2")] == ["ADA"]


async def test_two_active_characters_never_share_a_name(engine: AsyncEngine) -> None:
    await upgrade_to_head(engine)
    now = datetime.now(UTC)
    row = {
        "account_id": "a1",
        "profession": "drifter",
        "characteristics": STANDARD,
        "state": {},
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    async with engine.begin() as connection:
        await connection.execute(
            sa.insert(tables.characters), [{"character_id": "c1", "name": "Ada", **row}]
        )
    with pytest.raises(IntegrityError):  # the partial unique index backs the rule
        async with engine.begin() as connection:
            await connection.execute(
                sa.insert(tables.characters), [{"character_id": "c2", "name": "aDA", **row}]
            )


async def test_a_create_that_lost_the_race_for_a_name_is_kept_renamed(
    characters: SqlCharacterStore,
) -> None:
    # A restarted game whose name load overtook a queued create lets a second character
    # take the same name: neither is lost, the later is kept under the first free name.
    await characters.save_if_newer(change(1))
    assert await characters.save_if_newer(change(1, character_id="c2", account_id="a2", name="aDa"))
    assert await characters.save_if_newer(change(1, character_id="c3", account_id="a3", name="ADA"))
    names = {n.character_id: n.name for n in await characters.active_names()}
    assert names == {"c1": "Ada", "c2": "aDa1", "c3": "ADA2"}
    # Its later saves (the game still calls it aDa) keep the name it was given, and a
    # redelivered, stale one is still ignored.
    assert await characters.save_if_newer(
        change(2, character_id="c2", account_id="a2", name="aDa", dp=7)
    )
    assert not await characters.save_if_newer(
        change(2, character_id="c2", account_id="a2", name="aDa", dp=1)
    )
    (c2,) = await characters.for_account("a2")
    assert (c2.name, c2.state.dp, c2.version) == ("aDa1", 7, 2)
    # A long name stays within 20 characters.
    long = "Abcdefghijklmnopqrst"
    await characters.save_if_newer(change(1, character_id="c4", account_id="a4", name=long))
    await characters.save_if_newer(change(1, character_id="c5", account_id="a5", name=long))
    (c5,) = await characters.for_account("a5")
    assert c5.name == "Abcdefghijklmnopqrs1"


async def test_player_saves_keep_the_active_character_unless_given(engine: AsyncEngine) -> None:
    players = SqlPlayerStore(engine)
    await players.migrate()
    base = {"player_id": "a1", "name": "ada", "room_id": "street"}
    await players.save_if_newer(PlayerStateChanged(**base, version=1, active_character_id="c2"))
    await players.save_if_newer(PlayerStateChanged(**base, version=2))
    stored = await players.load("a1")
    assert stored is not None and stored.active_character_id == "c2"


async def test_the_service_saves_characters_and_answers_with_them(backend: Backend) -> None:
    service, _ = await backend.start_service()
    client: Bus = await backend.bus("game")
    try:
        for version, deleted in ((1, False), (2, False)):
            await client.publish(
                PERSISTENCE_EXCHANGE,
                SAVE_CHARACTER_KEY,
                change(version, account_id="acct", deleted=deleted).model_dump_json().encode(),
            )
        await client.publish(
            PERSISTENCE_EXCHANGE,
            save_key("player"),
            PlayerStateChanged(
                player_id="acct", name="ada", room_id="street", version=1, active_character_id="c1"
            )
            .model_dump_json()
            .encode(),
        )

        async def both_saved() -> bool:
            loaded = await Backend.loaded(client, "acct")
            return loaded.active_character_id == "c1" and [
                c.version for c in loaded.characters
            ] == [2]

        await Backend.eventually(both_saved, what="the character and the player saved")
        raw = await client.request(
            PERSISTENCE_EXCHANGE,
            CHARACTER_NAMES_REQUEST_KEY,
            CharacterNamesRequest().model_dump_json().encode(),
        )
        names = CharacterNamesReply.model_validate_json(raw).names
        assert [(n.character_id, n.account_id, n.name) for n in names] == [("c1", "acct", "Ada")]
    finally:
        await service.stop()


async def test_the_service_keeps_both_characters_of_a_name_race(backend: Backend) -> None:
    # Before: the second save broke the name index and was dead-lettered, so a character
    # someone had played was never stored.
    service, _ = await backend.start_service()
    client: Bus = await backend.bus("game")
    try:
        for character in (
            change(1, account_id="first"),
            change(2, character_id="c2", account_id="second", name="ADA"),
        ):
            body = character.model_dump_json().encode()
            await client.publish(PERSISTENCE_EXCHANGE, SAVE_CHARACTER_KEY, body)

        async def both() -> bool:
            return [c.name for c in (await Backend.loaded(client, "second")).characters] == ["ADA1"]

        await Backend.eventually(both, what="the second character kept, renamed")
        assert [c.name for c in (await Backend.loaded(client, "first")).characters] == ["Ada"]
    finally:
        await service.stop()
