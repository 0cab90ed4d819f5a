"""Alembic environment for the auth database.

Run programmatically (see ``mythos_auth.adapters.migrations``) from a worker thread, so it
owns that thread and can drive an async engine with ``asyncio.run``. The same async URL
therefore works for PostgreSQL (asyncpg) and SQLite (aiosqlite).
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from mythos_auth.adapters.database import async_database_url
from mythos_auth.adapters.tables import metadata

# Arbitrary constant naming the advisory lock that serialises migrations on PostgreSQL,
# so replicas starting together do not both try to create the tables.
_MIGRATION_LOCK_ID = 0x6D7974686F73  # "mythos"

config = context.config


def _database_url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: set config.attributes['database_url']")
    return async_database_url(url)


def _run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID}
            )
        context.run_migrations()


async def _run_online() -> None:
    # NullPool: this engine lives for one migration run only.
    engine = create_async_engine(_database_url(), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_database_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
