"""Load and save use cases: what the service does with a decoded message."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from mythos_contracts.persistence import (
    LoadPlayerReply,
    LoadPlayerRequest,
    PersistenceError,
    PlayerStateChanged,
)

from mythos_persistence.service_layer.ports import (
    CharacterStore,
    ItemStore,
    PlayerStore,
    StoreUnavailable,
)
from mythos_persistence.service_layer.retry import Backoff

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

DEFAULT_BACKOFF = Backoff()


async def handle_load(
    store: PlayerStore,
    request: LoadPlayerRequest,
    items: ItemStore | None = None,
    characters: CharacterStore | None = None,
) -> LoadPlayerReply | PersistenceError:
    """The stored state of a player, with the account's active characters (from
    ``characters``) and what they carry and wear (from ``items``); version 0 and no room
    when never saved.

    Never raises for a database problem: the caller is waiting on a reply, and a
    clear error beats a timeout. Nothing is written: a player exists in the table
    from its first save, and version 0 already tells the game "new".
    """
    try:
        stored = await store.load(request.player_id)
        records = [] if characters is None else await characters.for_account(request.player_id)
        # What every one of the account's characters carries (the first has its id).
        holders = [r.character_id for r in records] or [request.player_id]
        held = await items.held_by(holders) if items is not None else []
    except StoreUnavailable as exc:
        log.warning("load_player %s: database unavailable (%s)", request.player_id, exc)
        return PersistenceError(error=f"database unavailable, try again later: {exc}")
    except Exception as exc:
        log.exception("load_player %s failed", request.player_id)
        return PersistenceError(error=f"load_player failed: {type(exc).__name__}")
    if stored is None:
        return LoadPlayerReply(
            player_id=request.player_id,
            name=request.name,
            room_id=None,
            version=0,
            items=held,
            characters=records,
        )
    return LoadPlayerReply(
        player_id=stored.player_id,
        name=stored.name,
        room_id=stored.room_id,
        version=stored.version,
        aliases=stored.aliases,
        muted_until=stored.muted_until,
        items=held,
        characters=records,
        active_character_id=stored.active_character_id,
    )


async def handle_save(
    store: PlayerStore,
    change: PlayerStateChanged,
    *,
    backoff: Backoff = DEFAULT_BACKOFF,
    sleep: Sleep = asyncio.sleep,
) -> bool:
    """Apply ``change`` if it is newer than the stored state; True when written.

    While the database is unavailable this waits and retries forever instead of
    raising: raising would dead-letter a perfectly good message, whereas waiting
    keeps it (and every save behind it) safely unacknowledged in the durable queue.
    Any other error propagates, so a change the database rejects is dead-lettered
    rather than blocking the queue forever.
    """
    delays = backoff.delays()
    attempt = 1
    while True:
        try:
            written = await store.save_if_newer(change)
        except StoreUnavailable as exc:
            delay = next(delays)
            log.warning(
                "save of player %s v%d failed (attempt %d, database unavailable: %s); "
                "retrying in %.1fs",
                change.player_id,
                change.version,
                attempt,
                exc,
                delay,
            )
            await sleep(delay)
            attempt += 1
            continue
        if not written:
            log.info(
                "save of player %s v%d ignored: stored version is as new or newer",
                change.player_id,
                change.version,
            )
        return written
