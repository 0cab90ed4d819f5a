"""Apply the packaged alembic migrations programmatically."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.config import Config

# Resolved through the installed package, so it works from a wheel as well as a checkout.
SCRIPT_LOCATION = "mythos_auth:migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    # Passed as an attribute rather than an ini option: ConfigParser would try to interpolate
    # any "%" in a URL-encoded password.
    config.attributes["database_url"] = database_url
    return config


def upgrade_to_head_blocking(database_url: str) -> None:
    """Run every pending migration. Blocking; env.py runs its own event loop in this thread."""
    command.upgrade(alembic_config(database_url), "head")


async def upgrade_to_head(database_url: str) -> None:
    """Migrate from a worker thread so the caller's event loop is never blocked."""
    await asyncio.to_thread(upgrade_to_head_blocking, database_url)
