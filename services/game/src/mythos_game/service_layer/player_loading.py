"""Players as the player store holds them: loaded when they enter the world, kept here
once they leave, saved as they change.

The game is the only writer of a player's stored state, so the state of a player who
left is kept rather than read again: a save still queued would make a read stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from mythos_contracts.envelope import HeldConnection

from mythos_game.domain.characters import Character, CharacterNames, standard_investigator
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.world import World
from mythos_game.service_layer.player_store import PlayerStore, PlayerStoreUnavailable
from mythos_game.service_layer.stored_state import (
    StoredState,
    change_of,
    character_change,
    next_version,
)

log = logging.getLogger(__name__)


class StoredPlayers:
    def __init__(
        self,
        store: PlayerStore,
        roster: Roster,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._roster = roster
        self._wall_clock = wall_clock
        # Last known state of players who left; the game is the only writer of it.
        self._offline: dict[str, StoredState] = {}

    async def load(self, player_id: str, name: str) -> StoredState:
        """The player's stored state: kept since they left, else read from the store
        (raises ``PlayerStoreUnavailable`` when it cannot be)."""
        known = self._offline.get(player_id)
        if known is None:
            known = StoredState.from_reply(await self._store.load(player_id, name))
            # A save of a game that crashed may still be queued above the version just
            # read: count on from wall-clock milliseconds, so no later save of this game
            # is taken for stale (a redelivered one still is).
            known = replace(known, version=max(known.version, int(self._wall_clock() * 1000)))
        return known

    async def preload(self, held: Sequence[HeldConnection], *, at_once: int = 16) -> None:
        """Load the players about to be adopted side by side, outside the game's lock: a
        start or a takeover adopts every connected player, and one load after another
        would hold the shard that much longer. A load that fails is left to ``adopt``."""
        missing = {
            h.player_id: h
            for h in held
            if self._roster.get(h.player_id) is None and h.player_id not in self._offline
        }
        gate = asyncio.Semaphore(at_once)

        async def load(connection: HeldConnection) -> None:
            async with gate:
                with contextlib.suppress(PlayerStoreUnavailable):
                    state = await self.load(connection.player_id, connection.player_name)
                    self._offline.setdefault(connection.player_id, state)

        await asyncio.gather(*(load(h) for h in missing.values()))

    def entered(self, player_id: str) -> None:
        """The player is in the world again: their state is the roster's now."""
        self._offline.pop(player_id, None)

    def left(self, player_id: str, state: StoredState) -> None:
        """The player left the world as ``state``: their next entry starts from it."""
        self._offline[player_id] = state

    async def save(self, player: Player) -> None:
        """Save the player (the account's row) and the character played."""
        await self.save_player_row(player)
        await self.save_character(player.character)

    async def save_player_row(self, player: Player) -> None:
        await self._store.save(change_of(player))

    async def save_character(self, character: Character) -> None:
        """Save a character at its next version (``max(previous + 1, wall-clock ms)``)."""
        character.version = next_version(character.version, self._wall_clock())
        await self._store.save_character(character_change(character))


def placed(world: World, room_id: str | None) -> str:
    """Where a character entering the world stands: its room, the arrival room when it
    never stood anywhere, the start room when its room is gone from the world."""
    if room_id is None:
        return world.arrival_room()
    if not world.has_room(room_id):
        log.warning("a character stood in unknown room %s; moving to start", room_id)
        return world.start_room
    return room_id


def entering(
    world: World, stored: StoredState, player_id: str, name: str, names: CharacterNames
) -> tuple[Player, bool]:
    """The player a login puts in the world from what is stored (its items are the
    caller's to place), and whether it must be saved at once: a first login, which
    creates the first character (the account's id, its username or the first free
    variant of it, the standard investigator), or one whose stored row is behind."""
    character = stored.active()
    first = character is None
    if character is None:
        character = standard_investigator(player_id, player_id, names.first_free(name, player_id))
        character.room_id = stored.room_id
        names.take(character.name, character.id)
    room_id = placed(world, character.room_id or stored.room_id)
    player = Player(
        player_id, character.name, room_id, stored.version, character=character, account_name=name
    )
    stored.apply_to(player)
    to_save = not stored.version or first or stored.active_character_id != character.id
    if to_save:
        player.version = stored.version + 1
    return player, to_save
