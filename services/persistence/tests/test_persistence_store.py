"""The SQL store on SQLite and on the real PostgreSQL: schema, versioned idempotent upsert."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import sqlalchemy as sa
from mythos_contracts.persistence import PlayerStateChanged
from mythos_persistence.adapters.database import is_unavailable, make_engine
from mythos_persistence.adapters.player_store import SqlPlayerStore
from mythos_persistence.service_layer.ports import StoreUnavailable
from sqlalchemy.ext.asyncio import AsyncEngine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/nested/dir/game.db"
    return request.getfixturevalue("database_url")


@pytest.fixture
async def engine(store_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(store_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def store(engine: AsyncEngine) -> SqlPlayerStore:
    store = SqlPlayerStore(engine)
    await store.migrate()
    return store


def change(version: int, room: str, player: str = "p1") -> PlayerStateChanged:
    return PlayerStateChanged(player_id=player, name="Armitage", room_id=room, version=version)


async def test_migrations_create_the_players_table_once(engine: AsyncEngine) -> None:
    await SqlPlayerStore(engine).migrate()
    await SqlPlayerStore(engine).migrate()  # a second instance finds it at head
    async with engine.connect() as connection:
        columns = await connection.run_sync(
            lambda sync: {c["name"] for c in sa.inspect(sync).get_columns("players")}
        )
        revision = (
            await connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        ).scalar_one()
    assert columns == {
        "player_id",
        "name",
        "room_id",
        "version",
        "updated_at",
        "aliases",
        "muted_until",
        "active_character_id",
    }
    assert revision == "0007"


async def test_unknown_player_loads_as_none(store: SqlPlayerStore) -> None:
    assert await store.load("nobody") is None


async def test_versioned_upsert_applies_only_newer_versions(store: SqlPlayerStore) -> None:
    assert await store.save_if_newer(change(1, "street")) is True
    first = await store.load("p1")
    assert first is not None
    assert (first.room_id, first.version, first.name) == ("street", 1, "Armitage")
    assert first.updated_at.tzinfo is not None

    assert await store.save_if_newer(change(1, "attic")) is False  # redelivery / equal
    assert await store.save_if_newer(change(3, "library")) is True
    assert await store.save_if_newer(change(2, "cellar")) is False  # older
    stored = await store.load("p1")
    assert stored is not None
    assert (stored.room_id, stored.version) == ("library", 3)


async def test_players_are_versioned_independently(store: SqlPlayerStore) -> None:
    assert await store.save_if_newer(change(5, "street", "p1"))
    assert await store.save_if_newer(change(1, "attic", "p2"))
    p1, p2 = await store.load("p1"), await store.load("p2")
    assert p1 is not None and p2 is not None
    assert (p1.version, p2.version) == (5, 1)


async def test_concurrent_saves_keep_the_highest_version(store: SqlPlayerStore) -> None:
    versions = list(range(1, 31))
    random.Random(7).shuffle(versions)
    await asyncio.gather(*(store.save_if_newer(change(v, f"room-{v}")) for v in versions))
    stored = await store.load("p1")
    assert stored is not None
    assert (stored.version, stored.room_id) == (30, "room-30")


async def test_sqlite_parent_directory_is_created(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/a/b/game.db")
    try:
        await SqlPlayerStore(engine).migrate()
    finally:
        await engine.dispose()
    assert (tmp_path / "a" / "b" / "game.db").is_file()


def test_only_outages_count_as_unavailable() -> None:
    assert is_unavailable(ConnectionRefusedError())
    assert is_unavailable(TimeoutError())
    assert not is_unavailable(ValueError("bad value"))


async def test_a_refused_connection_is_store_unavailable() -> None:
    engine = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    store = SqlPlayerStore(engine)
    try:
        with pytest.raises(StoreUnavailable):
            await store.load("p1")
        with pytest.raises(StoreUnavailable):
            await store.save_if_newer(change(1, "street"))
    finally:
        await engine.dispose()


async def test_a_database_created_later_is_migrated_on_first_use(database_url: str) -> None:
    # The store is pointed at a database that does not exist yet, as when the
    # service starts before PostgreSQL has been provisioned.
    parts = urlsplit(database_url)
    late_name = parts.path.lstrip("/") + "_late"
    late_url = urlunsplit((parts.scheme, parts.netloc, "/" + late_name, "", ""))
    admin = await asyncpg.connect(urlunsplit(("postgresql", parts.netloc, "/postgres", "", "")))
    engine = make_engine(late_url)
    store = SqlPlayerStore(engine)
    try:
        with pytest.raises(StoreUnavailable, match="does not exist"):
            await store.migrate()
        with pytest.raises(StoreUnavailable):
            await store.save_if_newer(change(1, "street"))
        await admin.execute(f'CREATE DATABASE "{late_name}"')
        assert await store.save_if_newer(change(1, "street")) is True
        stored = await store.load("p1")
        assert stored is not None and stored.room_id == "street"
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{late_name}" WITH (FORCE)')
        await admin.close()
