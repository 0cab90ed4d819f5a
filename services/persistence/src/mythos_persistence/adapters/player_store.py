"""The players table behind the ``PlayerStore`` port (PostgreSQL/asyncpg or SQLite/aiosqlite)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from mythos_contracts.persistence import PlayerStateChanged

from mythos_persistence.adapters.sql_store import SqlStore, insert_for
from mythos_persistence.adapters.tables import players
from mythos_persistence.service_layer.ports import StoredPlayer


class SqlPlayerStore(SqlStore):
    """Reads and versioned upserts of the ``players`` table."""

    async def load(self, player_id: str) -> StoredPlayer | None:
        async def query() -> StoredPlayer | None:
            async with self._engine.connect() as connection:
                row = (
                    await connection.execute(
                        sa.select(players).where(players.c.player_id == player_id)
                    )
                ).one_or_none()
            if row is None:
                return None
            values = row._mapping
            return StoredPlayer(
                player_id=values["player_id"],
                name=values["name"],
                room_id=values["room_id"],
                version=values["version"],
                updated_at=_utc(values["updated_at"]),
                aliases=dict(values["aliases"] or {}),
                muted_until=_utc(values["muted_until"]),
                active_character_id=values["active_character_id"],
            )

        return await self._read("load_player", query)

    async def save_if_newer(self, state: PlayerStateChanged) -> bool:
        async def upsert() -> bool:
            statement = self._upsert(state)
            async with self._engine.begin() as connection:
                # A row comes back only when it was inserted or actually updated;
                # the WHERE of the conflict clause filters stale versions out.
                return (await connection.execute(statement)).first() is not None

        return await self._write("save_player", upsert)

    def _upsert(self, state: PlayerStateChanged) -> Any:
        # One statement, so concurrent writers (or two service instances) can never
        # interleave a read and a write: the version check happens inside the upsert.
        values: dict[str, Any] = {
            "player_id": state.player_id,
            "name": state.name,
            "room_id": state.room_id,
            "version": state.version,
            "updated_at": datetime.now(UTC),
            "muted_until": state.muted_until,
        }
        if state.aliases is not None:  # None: a sender that does not know aliases
            values["aliases"] = state.aliases
        if state.active_character_id is not None:  # None: leave the stored one
            values["active_character_id"] = state.active_character_id
        statement = insert_for(self._engine)(players).values(**values)
        excluded = statement.excluded
        return statement.on_conflict_do_update(
            index_elements=[players.c.player_id],
            set_={column: excluded[column] for column in values if column != "player_id"},
            where=players.c.version < excluded.version,
        ).returning(players.c.version)


def _utc(value: datetime | None) -> Any:
    # SQLite keeps no time zone; every value written here is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
