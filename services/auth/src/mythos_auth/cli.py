"""Shared plumbing of the operator commands (admin, invites, keys)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from mythos_auth.adapters.database import (
    async_database_url,
    create_engine,
    ensure_sqlite_directory,
)
from mythos_auth.adapters.migrations import upgrade_to_head
from mythos_auth.settings import AuthSettings


@asynccontextmanager
async def database(settings: AuthSettings) -> AsyncIterator[AsyncEngine]:
    """The service's own database (AUTH_DATABASE_URL), migrated to head like at startup."""
    url = async_database_url(settings.database_url)
    await asyncio.to_thread(ensure_sqlite_directory, url)
    await upgrade_to_head(url)
    engine = create_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()
