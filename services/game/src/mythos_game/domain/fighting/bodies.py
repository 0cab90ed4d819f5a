"""The fighters of a fight: the ``Arena`` a fight sees of the game, characters as
``combat`` bodies, and who of the fight's fighters are still there to fight."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Literal

from mythos_game.domain import combat
from mythos_game.domain.characters import Character
from mythos_game.domain.combat import Body, Fight, Strike
from mythos_game.domain.game_state import GameState
from mythos_game.domain.links import LinkView, NoLinks
from mythos_game.domain.npc_life import Npc
from mythos_game.domain.outgoing import Outgoing
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import Rules
from mythos_game.domain.status import StatusLedger
from mythos_game.domain.world import RoomTest, World, every_room


@dataclass
class Arena:
    """What a fight needs to know of the game, from a command's or a tick's context."""

    world: World
    roster: Roster
    state: GameState
    rules: Rules
    rng: random.Random
    status: StatusLedger
    tick: int
    now: float = field(default_factory=time.time)
    links: LinkView = field(default_factory=NoLinks)
    events: list[Outgoing] = field(default_factory=list)
    """What the fights' changes tell, in order."""
    owns: RoomTest = every_room
    """Whether this shard owns a room's zone now (``TickContext.owns``): the clock starts
    and runs fights only there."""


class CharacterBody:
    """A character as a fight sees it: DP, DEX, weapon and armour; a change of DP is
    noted (reason ``combat``) before it is made."""

    kind: Literal["player"] = "player"
    xp = 0

    def __init__(self, arena: Arena, player: Player) -> None:
        self._arena = arena
        self.player = player
        self.character: Character = player.character

    @property
    def id(self) -> str:
        return self.character.id

    @property
    def name(self) -> str:
        return self.character.name

    @property
    def dex(self) -> int:
        return self.character.characteristics["dex"]

    @property
    def max_dp(self) -> int:
        return self.character.max_dp

    @property
    def protection(self) -> int:
        worn = self._arena.state.worn_items(self.id)
        return sum(i.prototype.armor.protection for i in worn if i.prototype.armor is not None)

    @property
    def able(self) -> bool:
        return self.character.condition == "healthy" and self.character.tier != "catatonic"

    @property
    def dp(self) -> int:
        return self.character.dp

    @dp.setter
    def dp(self, value: int) -> None:
        self._arena.status.note(self.character, "combat")
        self.character.dp = value
        if value <= 0 and self.character.fell_at is None:
            self.character.fell_at = self._arena.now
        if value <= combat.DP_FLOOR and self.character.died_at is None:
            self.character.died_at = self._arena.now

    def strike(self) -> Strike:
        bonus = self.character.derived.damage_bonus
        wielded = self._arena.state.worn_by(self.id).get("main_hand")
        weapon = wielded.prototype.weapon if wielded is not None else None
        if wielded is None or weapon is None:
            unarmed = self._arena.rules.unarmed_damage
            return Strike(unarmed, unarmed, "punch", None, bonus)
        return Strike(weapon.min_damage, weapon.max_damage, weapon.verb, wielded.name, bonus)


def player_of(roster: Roster, character_id: str) -> Player | None:
    """The player (account) in the world who plays ``character_id``."""
    return next((p for p in roster.online() if p.character.id == character_id), None)


def account_of(roster: Roster, character_id: str) -> str | None:
    player = player_of(roster, character_id)
    return player.id if player is not None else None


def bodies(arena: Arena, fight: Fight) -> dict[str, Body]:
    """Every fighter still in the fight's room as a body; those gone from it (teleported,
    kicked, timed out) or no longer able to fight (fallen, dead, catatonic) leave it."""
    found: dict[str, Body] = {}
    for fighter_id in list(fight.fighters):
        npc = arena.state.npcs.get(fighter_id)
        if isinstance(npc, Npc) and npc.room_id == fight.room_id:
            found[fighter_id] = npc
            continue
        player = player_of(arena.roster, fighter_id)
        if player is None or player.room_id != fight.room_id:
            fight.leave(fighter_id, "left")
        elif player.character.condition != "healthy" or player.character.tier == "catatonic":
            # Fallen, dead or lost in the dark some other way (setstat, lucidity): out of
            # the fight, and no longer anyone's target.
            fight.leave(fighter_id, "fell")
        else:
            found[fighter_id] = CharacterBody(arena, player)
    return found


def character_body(arena: Arena, player: Player) -> CharacterBody:
    return CharacterBody(arena, player)
