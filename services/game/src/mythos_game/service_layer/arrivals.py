"""What arriving brings, seen from the service layer after each command and tick.

Two kinds of arrival: a character new in the world (a login, ``play``, an adoption)
gets the arrival ward (§6.2); a character who entered a room, however it was moved
(walking, fleeing, terror, an admin's ``teleport``/``goto``/``summon``, ``respawn`` or
the automatic one, the asylum), gets an uneasy mind's roll for a hallucination (§8.7).
The roster records each room entry; the rolls are the domain's
(``hallucinations.on_arrivals``), with the game's seeded random.
"""

from __future__ import annotations

import random

from mythos_game.domain import hallucinations
from mythos_game.domain.combat import fight_of
from mythos_game.domain.game_state import GameState
from mythos_game.domain.outgoing import Outgoing
from mythos_game.domain.roster import Roster
from mythos_game.domain.rules import RandomEffects


class Arrivals:
    def __init__(self, roster: Roster, state: GameState) -> None:
        self._roster = roster
        self._state = state
        self._present: set[str] = set()
        """Ids of the characters in the world at the last ``ward_newcomers``."""
        self._seen_version = -1
        """The roster's ``presence_version`` then: unchanged, nobody is new (a look
        through every player after each command would cost more than the command)."""

    def ward_newcomers(self, now: float, ward_seconds: float) -> None:
        """Characters new in the world since the last look (a login, ``play``) are left
        alone by hostile NPCs for ``ward_seconds``."""
        if self._roster.presence_version == self._seen_version:
            return
        self._seen_version = self._roster.presence_version
        online = self._roster.online()
        present = {p.character.id for p in online}
        until = now + ward_seconds
        for player in online:
            character = player.character
            if character.id in self._present:
                continue
            self._state.wards[character.id] = until
            if character.in_combat and fight_of(self._state.fights, character.id) is None:
                # Fights are not stored: one who left the world mid-fight (a kick, a
                # timeout) comes back out of it.
                character.in_combat = False
        for character_id in self._present - present:
            self._state.wards.pop(character_id, None)
        self._present = present

    def room_entries(self, rng: random.Random, mode: RandomEffects) -> list[Outgoing]:
        """The visions of the room entries since the last call: one roll per entry of a
        player still in the world, in the order they entered."""
        entered = [self._roster.get(pid) for pid in self._roster.take_arrivals()]
        return hallucinations.on_arrivals([p for p in entered if p is not None], rng, mode)
