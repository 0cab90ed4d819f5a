"""Engine construction for the auth database (PostgreSQL via asyncpg, SQLite via aiosqlite)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

# Plain scheme -> async driver, so operators may write the URL they already know.
_ASYNC_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


def async_database_url(url: str) -> str:
    """Return ``url`` with an async driver; URLs that already name a driver are kept."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme in _ASYNC_DRIVERS:
        return f"{_ASYNC_DRIVERS[scheme]}://{rest}"
    return url


def ensure_sqlite_directory(url: str) -> None:
    """Create the parent directory of a file-backed SQLite database (blocking: run in a thread)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    # 0700: the database holds password hashes; only the service's user needs to enter.
    Path(database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)


# How long a SQLite write waits for another transaction's lock. The driver's default (5 s)
# was short enough for a refresh racing another, under load, to fail with "database is
# locked" (a 500) instead of finding the token used and revoking the family.
SQLITE_LOCK_WAIT_SECONDS = 30.0


def create_engine(url: str) -> AsyncEngine:
    # pre_ping lets the pool recover by itself after a database restart.
    if make_url(url).get_backend_name() == "sqlite":
        return create_async_engine(
            url, pool_pre_ping=True, connect_args={"timeout": SQLITE_LOCK_WAIT_SECONDS}
        )
    return create_async_engine(url, pool_pre_ping=True)
