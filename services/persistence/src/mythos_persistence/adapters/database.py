"""Engine creation and the one place that decides what "the database is down" means."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# SQLSTATE prefixes of PostgreSQL errors that say "not now" rather than "not this":
# connection exceptions, too many connections, shutting down / starting up, the
# database not created yet, and credentials not provisioned yet.
_TRANSIENT_SQLSTATES = ("08", "53", "57P", "3D000", "28")


def make_engine(url: str) -> AsyncEngine:
    """An async engine for a ``postgresql+asyncpg`` or ``sqlite+aiosqlite`` URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url,
        # Pooled connections die when PostgreSQL restarts; check them before use
        # so the first write after an outage succeeds instead of failing once more.
        pool_pre_ping=True,
        # asyncpg waits 60 s by default for an unreachable host; fail fast and let
        # the caller's backoff decide when to try again.
        connect_args={"timeout": 5},
    )


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # Wait for a writer in another process (embedded tools, tests) instead of
    # failing at once with "database is locked".
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.close()


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means the database cannot be used right now (retry later)."""
    if isinstance(exc, OSError | TimeoutError | sa_exc.TimeoutError):
        return True  # connection refused / reset, DNS failure, connect or pool timeout
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    # SQLite reports a missing file, a locked database and a missing table as
    # OperationalError; InterfaceError is a driver-level connection problem.
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(_TRANSIENT_SQLSTATES)
