"""The players table behind the ``PlayerStore`` port (PostgreSQL/asyncpg or SQLite/aiosqlite)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from mythos_contracts.persistence import PlayerStateChanged
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from mythos_persistence.adapters.database import is_unavailable
from mythos_persistence.adapters.migrations import upgrade_to_head
from mythos_persistence.adapters.tables import players
from mythos_persistence.service_layer.ports import StoredPlayer, StoreUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")


class SqlPlayerStore:
    """Reads and versioned upserts of the ``players`` table.

    The schema is brought to head before the first query, and again after any
    outage (the database may come back empty, e.g. created only now), so the
    service can start while the database is still down.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._schema_ready = False
        self._schema_lock = asyncio.Lock()

    async def migrate(self) -> None:
        """Apply pending migrations now; raises ``StoreUnavailable`` if the database is down."""
        await self._guard(self._migrate)

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
            stored = StoredPlayer(**row._mapping)
            if stored.updated_at.tzinfo is None:
                # SQLite keeps no time zone; every value written here is UTC.
                stored = replace(stored, updated_at=stored.updated_at.replace(tzinfo=UTC))
            return stored

        return await self._guard(query, needs_schema=True)

    async def save_if_newer(self, state: PlayerStateChanged) -> bool:
        async def upsert() -> bool:
            statement = self._upsert(state)
            async with self._engine.begin() as connection:
                # A row comes back only when it was inserted or actually updated;
                # the WHERE of the conflict clause filters stale versions out.
                return (await connection.execute(statement)).first() is not None

        return await self._guard(upsert, needs_schema=True)

    async def ping(self) -> None:
        """Raises ``StoreUnavailable`` unless a trivial query succeeds."""

        async def select_one() -> None:
            async with self._engine.connect() as connection:
                await connection.execute(sa.text("SELECT 1"))

        await self._guard(select_one)

    def _upsert(self, state: PlayerStateChanged) -> Any:
        # One statement, so concurrent writers (or two service instances) can never
        # interleave a read and a write: the version check happens inside the upsert.
        dialect = self._engine.dialect.name
        if dialect == "postgresql":
            insert: Any = postgresql.insert
        elif dialect == "sqlite":
            insert = sqlite.insert
        else:
            raise NotImplementedError(f"no versioned upsert for the {dialect!r} dialect")
        values = {
            "player_id": state.player_id,
            "name": state.name,
            "room_id": state.room_id,
            "version": state.version,
            "updated_at": datetime.now(UTC),
        }
        statement = insert(players).values(**values)
        excluded = statement.excluded
        return statement.on_conflict_do_update(
            index_elements=[players.c.player_id],
            set_={column: excluded[column] for column in values if column != "player_id"},
            where=players.c.version < excluded.version,
        ).returning(players.c.version)

    async def _migrate(self) -> None:
        async with self._schema_lock:
            if not self._schema_ready:
                await upgrade_to_head(self._engine)
                self._schema_ready = True
                log.info("database schema is at head")

    async def _guard(
        self, operation: Callable[[], Awaitable[T]], *, needs_schema: bool = False
    ) -> T:
        """Run ``operation``, turning "database down" errors into ``StoreUnavailable``."""
        try:
            if needs_schema and not self._schema_ready:
                await self._migrate()
            return await operation()
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            self._schema_ready = False  # what comes back may be a fresh, empty database
            raise StoreUnavailable(_describe(exc)) from exc


def _describe(exc: BaseException) -> str:
    # The first line of SQLAlchemy's message names the driver error without the
    # "Background on this error" link and the SQL text.
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"
