"""What every SQL store shares: the schema brought to head before first use (and again
after an outage), and "database down" errors turned into ``StoreUnavailable``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from prometheus_client import Histogram
from sqlalchemy.ext.asyncio import AsyncEngine

from mythos_persistence.adapters.database import is_unavailable
from mythos_persistence.adapters.migrations import upgrade_to_head
from mythos_persistence.metrics import (
    DB_READ_SECONDS,
    DB_WRITE_SECONDS,
    WRITES,
    ReadOperation,
    WriteOperation,
)
from mythos_persistence.service_layer.ports import StoreUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")


class SqlStore:
    """The schema is brought to head before the first query, and again after any
    outage (the database may come back empty, e.g. created only now), so the
    service can start while the database is still down."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._schema_ready = False
        self._schema_lock = asyncio.Lock()

    async def migrate(self) -> None:
        """Apply pending migrations now; raises ``StoreUnavailable`` if the database is down."""
        await self._guard(self._migrate)

    async def ping(self) -> None:
        """Raises ``StoreUnavailable`` unless a trivial query succeeds."""

        async def select_one() -> None:
            async with self._engine.connect() as connection:
                await connection.execute(sa.text("SELECT 1"))

        await self._guard(select_one)

    async def _migrate(self) -> None:
        async with self._schema_lock:
            if not self._schema_ready:
                await upgrade_to_head(self._engine)
                self._schema_ready = True
                log.info("database schema is at head")

    async def _read(self, name: ReadOperation, query: Callable[[], Awaitable[T]]) -> T:
        """A query of the store method ``name``, timed for the read histogram."""
        return await self._guard(query, needs_schema=True, timer=DB_READ_SECONDS.labels(name))

    async def _write(self, name: WriteOperation, change: Callable[[], Awaitable[T]]) -> T:
        """A write of the store method ``name``: timed, counted by outcome, logged at DEBUG.

        Every store write goes through here, so the metrics count each database attempt
        once, whichever handler (and retry loop) made it.
        """
        started = time.perf_counter()
        try:
            result = await self._guard(
                change, needs_schema=True, timer=DB_WRITE_SECONDS.labels(name)
            )
        except Exception:
            WRITES.labels(name, "error").inc()
            raise
        WRITES.labels(name, "ok").inc()
        log.debug(
            "%s done",
            name,
            extra={
                "operation": name,
                "result": result if isinstance(result, bool) else None,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        return result

    async def _guard(
        self,
        operation: Callable[[], Awaitable[T]],
        *,
        needs_schema: bool = False,
        timer: Histogram | None = None,
    ) -> T:
        """Run ``operation``, turning "database down" errors into ``StoreUnavailable``.

        ``timer`` times the operation alone: a migration that runs first (once per
        process, or after an outage) would otherwise show up as one very slow query.
        """
        try:
            if needs_schema and not self._schema_ready:
                await self._migrate()
            with timer.time() if timer is not None else contextlib.nullcontext():
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


def insert_for(engine: AsyncEngine) -> Callable[..., Any]:
    """The dialect's INSERT, which has ``on_conflict_do_*`` (PostgreSQL and SQLite)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = engine.dialect.name
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise ValueError(f"unsupported database dialect {dialect!r}: use PostgreSQL or SQLite")
