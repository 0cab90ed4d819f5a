"""Background upkeep of the session tables while the app runs."""

from __future__ import annotations

import asyncio
import logging

from mythos_auth.adapters.session_store import SqlSessionStore
from mythos_auth.clock import Clock

log = logging.getLogger(__name__)

# How often expired refresh tokens are deleted.
PURGE_INTERVAL_SECONDS = 3600.0


async def purge_expired(sessions: SqlSessionStore, clock: Clock) -> None:
    try:
        deleted = await sessions.purge_expired(clock.now())
        if deleted:
            log.info("deleted %d expired refresh tokens", deleted)
    except Exception as exc:
        log.warning("could not delete expired refresh tokens: %r", exc)


async def purge_expired_periodically(sessions: SqlSessionStore, clock: Clock) -> None:
    # Sleeps first: startup already purged once, and a short-lived app (tests, a failed
    # start) then never has a query in flight when the lifespan cancels this task.
    while True:
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)
        await purge_expired(sessions, clock)
