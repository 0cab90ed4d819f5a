"""Alembic environment.

At runtime ``adapters.migrations.upgrade_to_head`` hands in an open connection
(of an async engine, driven through ``run_sync``). When the ``alembic`` command
line is used instead (e.g. ``alembic revision --autogenerate``), an async engine
is built from ``PersistenceSettings`` so the same URLs work there too.
"""

from __future__ import annotations

import asyncio

from alembic import context
from mythos_persistence.adapters.tables import metadata
from sqlalchemy.engine import Connection


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite can only alter tables by copying them; batch mode does that.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_standalone() -> None:
    from mythos_persistence.adapters.database import make_engine
    from mythos_persistence.settings import PersistenceSettings

    engine = make_engine(PersistenceSettings().database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")

_connection = context.config.attributes.get("connection")
if _connection is not None:
    _run(_connection)
else:
    asyncio.run(_run_standalone())
