"""Item use cases: keep where an item is now, and answer a starting game's floor load."""

from __future__ import annotations

import asyncio
import logging

from mythos_contracts.persistence import (
    ItemStateChanged,
    LoadFloorItemsReply,
    LoadFloorItemsRequest,
    PersistenceError,
)

from mythos_persistence.service_layer.handlers import DEFAULT_BACKOFF, Sleep
from mythos_persistence.service_layer.ports import ItemStore, StoreUnavailable
from mythos_persistence.service_layer.retry import Backoff

log = logging.getLogger(__name__)


async def handle_floor_items(
    store: ItemStore, request: LoadFloorItemsRequest
) -> LoadFloorItemsReply | PersistenceError:
    """Never raises for a database problem: the game asks again until it gets them."""
    try:
        return LoadFloorItemsReply(items=await store.floor_items())
    except StoreUnavailable as exc:
        log.warning("load_floor_items: database unavailable (%s)", exc)
        return PersistenceError(error=f"database unavailable, try again later: {exc}")
    except Exception as exc:
        log.exception("load_floor_items failed")
        return PersistenceError(error=f"load_floor_items failed: {type(exc).__name__}")


async def handle_item_save(
    store: ItemStore,
    change: ItemStateChanged,
    *,
    backoff: Backoff = DEFAULT_BACKOFF,
    sleep: Sleep = asyncio.sleep,
) -> bool:
    """Apply ``change`` if it is newer than the stored row; True when written. Waits out
    a database outage (the save stays in the durable queue meanwhile), as player saves do."""
    delays = backoff.delays()
    while True:
        try:
            written = await store.save_if_newer(change)
        except StoreUnavailable as exc:
            delay = next(delays)
            log.warning(
                "save of item %s v%d failed (database unavailable: %s); retrying in %.1fs",
                change.item_id,
                change.version,
                exc,
                delay,
            )
            await sleep(delay)
            continue
        if not written:
            log.info(
                "save of item %s v%d ignored: stored version is as new or newer, or it is gone",
                change.item_id,
                change.version,
            )
        return written
