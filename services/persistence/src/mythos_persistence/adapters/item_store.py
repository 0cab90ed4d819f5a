"""The items table behind the ``ItemStore`` port (PostgreSQL/asyncpg or SQLite/aiosqlite)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from mythos_contracts.persistence import ItemRecord, ItemStateChanged

from mythos_persistence.adapters.sql_store import SqlStore, insert_for
from mythos_persistence.adapters.tables import items

_RECORD_COLUMNS = (
    items.c.item_id,
    items.c.prototype_id,
    items.c.location_kind,
    items.c.location_id,
    items.c.slot,
    items.c.origin,
    items.c.version,
)


class SqlItemStore(SqlStore):
    """Versioned upserts of one row per item, and the two reads a game needs: every item
    on a floor (at start) and what an account's characters hold (at login)."""

    async def save_if_newer(self, change: ItemStateChanged) -> bool:
        async def upsert() -> bool:
            async with self._engine.begin() as connection:
                # A row comes back only when inserted or actually updated.
                return (await connection.execute(self._upsert(change))).first() is not None

        return await self._write("save_item", upsert)

    async def floor_items(self) -> list[ItemRecord]:
        return await self._read(
            "load_floor_items", lambda: self._select(items.c.location_kind == "room")
        )

    async def held_by(self, character_ids: Sequence[str]) -> list[ItemRecord]:
        return await self._read(
            "load_held_items",
            lambda: self._select(
                items.c.location_kind.in_(("carried", "worn")),
                items.c.location_id.in_(list(character_ids)),
            ),
        )

    async def _select(self, *where: Any) -> list[ItemRecord]:
        # In the order they were last moved: a floor lists things in order of arrival.
        query = sa.select(*_RECORD_COLUMNS).where(*where).order_by(items.c.version, items.c.item_id)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [ItemRecord.model_validate(dict(row._mapping)) for row in rows]

    def _upsert(self, change: ItemStateChanged) -> Any:
        # One statement, so the version check happens inside the upsert (no read-then-
        # write window between two writers). A tombstone is final whatever the version.
        values: dict[str, Any] = {
            **change.model_dump(),
            "updated_at": datetime.now(UTC),
        }
        statement = insert_for(self._engine)(items).values(**values)
        excluded = statement.excluded
        return statement.on_conflict_do_update(
            index_elements=[items.c.item_id],
            set_={column: excluded[column] for column in values if column != "item_id"},
            where=(items.c.version < excluded.version) & (items.c.location_kind != "gone"),
        ).returning(items.c.version)
