"""Character use cases: keep a character's change, answer the game's request for names."""

from __future__ import annotations

import asyncio
import logging

from mythos_contracts.persistence import (
    CharacterNamesReply,
    CharacterNamesRequest,
    CharacterStateChanged,
    PersistenceError,
)

from mythos_persistence.service_layer.handlers import DEFAULT_BACKOFF, Sleep
from mythos_persistence.service_layer.ports import CharacterStore, StoreUnavailable
from mythos_persistence.service_layer.retry import Backoff

log = logging.getLogger(__name__)


async def handle_character_names(
    store: CharacterStore, _request: CharacterNamesRequest
) -> CharacterNamesReply | PersistenceError:
    """Never raises for a database problem: the game is waiting on a reply."""
    try:
        names = await store.active_names()
    except StoreUnavailable as exc:
        log.warning("character_names: database unavailable (%s)", exc)
        return PersistenceError(error=f"database unavailable, try again later: {exc}")
    except Exception as exc:
        log.exception("character_names failed")
        return PersistenceError(error=f"character_names failed: {type(exc).__name__}")
    return CharacterNamesReply(names=names)


async def handle_character_save(
    store: CharacterStore,
    change: CharacterStateChanged,
    *,
    backoff: Backoff = DEFAULT_BACKOFF,
    sleep: Sleep = asyncio.sleep,
) -> bool:
    """Apply ``change`` if newer than the stored character; True when written. Waits out
    a database outage (the save stays in the durable queue meanwhile), as player saves do;
    any other error (a change the database refuses) propagates and dead-letters it."""
    delays = backoff.delays()
    while True:
        try:
            written = await store.save_if_newer(change)
        except StoreUnavailable as exc:
            delay = next(delays)
            log.warning(
                "save of character %s v%d failed (database unavailable: %s); retrying in %.1fs",
                change.character_id,
                change.version,
                exc,
                delay,
            )
            await sleep(delay)
            continue
        if not written:
            log.info(
                "save of character %s v%d ignored: stored version is as new or newer",
                change.character_id,
                change.version,
            )
        return written
