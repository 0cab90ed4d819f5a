"""What a starting game asks persistence for, each asked again until answered (or
given up on where the game can do without): the save fence first, then the term, the
names, the handed-over streams and the floor items."""

from __future__ import annotations

import asyncio
import logging
import uuid

from mythos_contracts.persistence import StreamHandoff

from mythos_game.adapters.persistence_client import PersistenceClient
from mythos_game.domain.characters import CharacterNames
from mythos_game.domain.world import RoomTest
from mythos_game.service_layer.player_store import PlayerStoreUnavailable
from mythos_game.service_layer.sessions import Sessions
from mythos_game.settings import GameSettings

log = logging.getLogger(__name__)


async def pass_save_fence(store: PersistenceClient, settings: GameSettings) -> None:
    """Wait until persistence has written every save queued before this start (the
    previous game's last ones, still queued after a kill -9 or a stop), so no start-up
    or login load overtakes them. Asked again until answered: never start on stale
    state (docs/architecture.md, "Saves and loads across a restart")."""
    fence_id = uuid.uuid4().hex
    timeout = settings.save_fence_timeout_seconds
    while True:
        try:
            await store.pass_save_fence(fence_id, timeout=timeout)
            break
        except PlayerStoreUnavailable as exc:
            log.warning(
                "save fence %s not handled by persistence within %.1fs (%s): start-up "
                "loads wait until the saves queued before it are written; sending it again",
                fence_id,
                timeout,
                exc,
            )
    log.info("save fence %s handled: every save queued before this start is written", fence_id)


async def load_names(store: PersistenceClient, names: CharacterNames) -> bool:
    """Every active character's name; False (and ``create`` waits) when not loaded."""
    try:
        loaded = await store.character_names()
    except PlayerStoreUnavailable as exc:
        log.warning("character names not loaded yet (%s); 'create' waits for them", exc)
        return False
    names.load({entry.name: entry.character_id for entry in loaded})
    log.info("loaded %d character name(s)", len(loaded))
    return True


async def keep_loading_names(
    store: PersistenceClient, names: CharacterNames, every: float = 5.0
) -> None:
    while True:
        if await load_names(store, names):
            return
        await asyncio.sleep(every)


async def load_floor_items(
    store: PersistenceClient, sessions: Sessions, settings: GameSettings, owns: RoomTest
) -> None:
    """Every item lying on a floor of a room this shard owns (``owns``), asked for until
    persistence answers (a spawn rule that counted an empty floor instead would
    duplicate what lies there). Persistence gives every floor item of the world: those
    in another shard's rooms are that shard's to hold, and are left out of memory here."""
    delay = 0.5
    while True:
        try:
            records = await store.load_floor_items(timeout=settings.persistence_timeout)
            break
        except PlayerStoreUnavailable as exc:
            log.warning("floor items not loaded (%s); asking again in %.1fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
    mine = [r for r in records if r.location_id is None or owns(r.location_id)]
    placed = sessions.items.records.place(sessions.state, mine)
    log.info(
        "loaded %d floor item(s); %d lie in other shards' zones", placed, len(records) - len(mine)
    )


async def raise_term(store: PersistenceClient, settings: GameSettings) -> int:
    """This game's term for its shard, one above the last game's, asked for until
    persistence answers: edges drop envelopes of older terms, so a game that stopped
    answering the broker (or a late publish of its) cannot speak over this one."""
    delay = 0.5
    while True:
        try:
            term = await store.raise_term(settings.shard, timeout=settings.persistence_timeout)
            break
        except PlayerStoreUnavailable as exc:
            log.warning("no term raised yet (%s); asking again in %.1fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
    log.info("shard %s: term %d", settings.shard, term)
    return term


async def take_handoff(store: PersistenceClient, settings: GameSettings) -> list[StreamHandoff]:
    """The streams the previous game handed over (none after a crash)."""
    try:
        streams = await store.take_handoff(
            settings.handoff_max_age_seconds, timeout=settings.handoff_timeout_seconds
        )
    except PlayerStoreUnavailable as exc:
        log.warning("no stream handoff taken (%s): players will get a resync", exc)
        return []
    log.info("took %d handed-over stream(s) to continue", len(streams))
    return streams
