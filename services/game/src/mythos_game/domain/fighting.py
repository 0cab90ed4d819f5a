"""Fights in the game: the pure rules of ``combat`` applied to characters, NPCs and items.

``combat`` knows fighters as bodies; this module makes bodies of the characters in the
roster (their DP, weapon, armour) and of the NPC instances, and carries out what the acts
mean for the world: a dead NPC leaves its room and drops its loot, its killer gains XP, a
fleeing NPC walks out, a character who falls or whose fight ends is no longer
``in_combat``. Every change of a character's vitals is noted in the ``StatusLedger``
first, so each gets one ``status_update`` at the end of the command or tick. Pure rules,
no I/O.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from mythos_contracts.events import Combatant, ItemEventData

from mythos_game.domain import combat, lucidity
from mythos_game.domain.breakdown import encounter_shock, witnesses_of_death
from mythos_game.domain.characters import Character
from mythos_game.domain.combat import Act, Body, Fight, Strike
from mythos_game.domain.combat_text import combat_events
from mythos_game.domain.game_state import GameState
from mythos_game.domain.item_views import item_view
from mythos_game.domain.items import Item
from mythos_game.domain.links import ADMIN_ROLE, LinkView, NoLinks
from mythos_game.domain.movement import move_player
from mythos_game.domain.npc_life import Npc, move_npc, npcs_in, remove_npc, ways_out
from mythos_game.domain.npcs import capitalized
from mythos_game.domain.outgoing import Outgoing, ToRoom
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import Rules
from mythos_game.domain.status import StatusLedger
from mythos_game.domain.world import World

if TYPE_CHECKING:
    from mythos_game.domain.ticks import TickContext, TickOutcome


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


def engage_npc(arena: Arena, attacker: Player, npc: Npc) -> list[Outgoing]:
    """A character's new engagement with an NPC: the room's ``engage`` (not the attacker:
    the response is their line), then their opening blow, which may kill."""
    body = CharacterBody(arena, attacker)
    fight = combat.engage(
        arena.state.fights,
        npc.room_id,
        body,
        npc,
        tick=arena.tick,
        round_ticks=arena.rules.combat_round_ticks,
    )
    arena.state.wards.pop(body.id, None)  # attacking ends one's arrival ward
    acts: list[Act] = [combat.Engaged(combat.ref(body), combat.ref(npc))]
    acts += combat.blow(fight, body, npc, arena.rng)
    acts += combat.settle(fight, bodies(arena, fight))
    carry_out(arena, fight, acts)
    _shaken(arena, attacker, npc)
    return arena.events


def engage_character(arena: Arena, attacker: Player, victim: Player) -> list[Outgoing]:
    """Where players may fight players: a character takes on another (engage, then the
    opening blow, as against a creature)."""
    body, target = CharacterBody(arena, attacker), CharacterBody(arena, victim)
    fight = combat.engage(
        arena.state.fights,
        attacker.room_id,
        body,
        target,
        tick=arena.tick,
        round_ticks=arena.rules.combat_round_ticks,
    )
    arena.state.wards.pop(body.id, None)
    acts: list[Act] = [combat.Engaged(combat.ref(body), combat.ref(target))]
    acts += combat.blow(fight, body, target, arena.rng)
    acts += combat.settle(fight, bodies(arena, fight))
    carry_out(arena, fight, acts)
    return arena.events


def npc_engages(arena: Arena, npc: Npc, player: Player) -> None:
    """A hostile NPC starts on a character (its engage message to them and the room)."""
    body = CharacterBody(arena, player)
    fight = combat.engage(
        arena.state.fights,
        npc.room_id,
        npc,
        body,
        tick=arena.tick,
        round_ticks=arena.rules.combat_round_ticks,
    )
    definition = npc.definition
    message = definition.engage_message.format(
        Name=capitalized(definition.name), name=definition.name, target="{target}"
    )
    carry_out(arena, fight, [combat.Engaged(combat.ref(npc), combat.ref(body), message)])
    _shaken(arena, player, npc)


def _terror(arena: Arena, fight: Fight, hit: combat.Hit) -> None:
    """Terror flight (§8.6): the struck character flees at once (reason ``terror``)."""
    player = player_of(arena.roster, hit.target.id)
    if player is None or player.room_id != fight.room_id:
        return
    room = arena.world.room(player.room_id)
    ways = [d for d, way in room.exits.items() if not way.locked and not way.hidden]
    rules = arena.rules
    direction = lucidity.terror_way(
        player.character,
        hit.damage,
        ways,
        rules.terror_flee_cooldown_seconds,
        arena.rng,
        rules.lucidity_random_effects,
        arena.now,
    )
    if direction is None:
        return
    fled = combat.Fled(hit.target, direction, "terror")
    arena.events += combat_events(
        [fled], room.id, fight.id, fight.round, lambda cid: account_of(arena.roster, cid), str
    )
    leave_fight(arena, player, "fled")
    target = room.exits[direction].target
    arena.events += move_player(arena.world, arena.roster, player, target, arena.state)


def _witnessed(arena: Arena, character_id: str) -> None:
    """A character died in a fight: the others in the room are shaken."""
    dead = player_of(arena.roster, character_id)
    if dead is not None:
        arena.events += witnesses_of_death(
            arena.world, arena.roster, arena.state, dead, arena.status, arena.now
        )


def _shaken(arena: Arena, player: Player, npc: Npc) -> None:
    """Meeting a horror in a fight costs lucidity (``breakdown.encounter_shock``)."""
    arena.events += encounter_shock(
        arena.world, arena.roster, arena.state, player, npc, arena.status, arena.now
    )


def run_round(arena: Arena, fight: Fight) -> None:
    """Resolve the fight's next round and carry out what happened."""
    present = bodies(arena, fight)
    acts = combat.settle(fight, present)
    if not fight.over:
        acts = combat.resolve_round(
            fight,
            present,
            arena.rng,
            flee_ways=lambda npc_id: _npc_ways(arena, npc_id),
            flee_below=lambda npc_id: _flee_below(arena, npc_id),
        )
    fight.next_round_tick = arena.tick + arena.rules.combat_round_ticks
    carry_out(arena, fight, acts)


def _npc_ways(arena: Arena, npc_id: str) -> list[str]:
    npc = arena.state.npcs.get(npc_id)
    return ways_out(arena.world, npc) if isinstance(npc, Npc) else []


def _flee_below(arena: Arena, npc_id: str) -> int:
    npc = arena.state.npcs.get(npc_id)
    return npc.definition.flee_below_dp if isinstance(npc, Npc) else 0


def carry_out(arena: Arena, fight: Fight, acts: list[Act]) -> None:
    """Tell each act to the room (each perspective its own text), then make it so: the
    dead NPC goes with its loot and its killer's XP, the fled NPC walks out. Last, the
    characters' ``in_combat`` follow the fights, and ended fights are forgotten."""
    room_id = fight.room_id
    struck: list[combat.Hit] = []
    for act in acts:
        arena.events += combat_events(
            [act],
            room_id,
            fight.id,
            fight.round,
            lambda cid: account_of(arena.roster, cid),
            lambda who: _death_message(arena, who),
        )
        if isinstance(act, combat.Died) and act.target.kind == "npc":
            _npc_died(arena, act)
        elif isinstance(act, combat.Died):
            _witnessed(arena, act.target.id)
        elif isinstance(act, combat.Hit) and act.target.kind == "player":
            struck.append(act)
        elif isinstance(act, combat.Fled) and act.actor.kind == "npc":
            npc = arena.state.npcs.get(act.actor.id)
            if isinstance(npc, Npc):
                arena.events += move_npc(
                    arena.state, arena.world, npc, act.direction, "fled", arena.tick
                )
    for hit in struck:  # after the round's story: a deranged mind may run from a hard blow
        _terror(arena, fight, hit)
    # Those still marked fighting elsewhere left the room some other way (teleport, kick).
    concerned = [p for p in arena.roster.online() if p.room_id == room_id or p.character.in_combat]
    sync_in_combat(arena, concerned)
    forget_ended(arena.state)


def _death_message(arena: Arena, who: Combatant) -> str:
    npc = arena.state.npcs.get(who.id)
    if isinstance(npc, Npc):
        return npc.definition.say(npc.definition.death_message)
    return f"{capitalized(who.name)} dies."


def _npc_died(arena: Arena, act: combat.Died) -> None:
    npc = arena.state.npcs.get(act.target.id)
    if not isinstance(npc, Npc):
        return
    arena.events.append(remove_npc(arena.state, npc, "died"))
    for loot in npc.definition.loot:
        if arena.rng.random() < loot.chance:
            item = Item(arena.state.new_id(), arena.world.items[loot.item])
            arena.state.put_on_floor(npc.room_id, item)
            data = ItemEventData(
                action="loot",
                actor=combat.ref(npc),
                item=item_view(item),
                text=f"{capitalized(item.name)} falls to the ground.",
            )
            arena.events.append(Outgoing("item_event", ToRoom(npc.room_id), data, npc.room_id))
    killer = player_of(arena.roster, act.actor.id) if act.actor is not None else None
    if killer is not None and act.xp:
        arena.status.note(killer.character, "combat")
        killer.character.xp += act.xp


def sync_in_combat(arena: Arena, players: Iterable[Player]) -> None:
    """Each character's ``in_combat`` is whether a fight counts them (noted when it changes)."""
    for player in players:
        character = player.character
        fighting = combat.fight_of(arena.state.fights, character.id) is not None
        if character.in_combat != fighting:
            arena.status.note(character, "combat")
            character.in_combat = fighting


def forget_ended(state: GameState) -> None:
    for fight_id in [f.id for f in state.fights.values() if f.over]:
        del state.fights[fight_id]


def leave_fight(arena: Arena, player: Player, reason: combat.LeaveReason) -> None:
    """A character leaves their fight (fled, gone); the fight may end for the others."""
    fight = combat.fight_of(arena.state.fights, player.character.id)
    if fight is None:
        return
    fight.leave(player.character.id, reason)
    carry_out(arena, fight, combat.settle(fight, bodies(arena, fight)))
    sync_in_combat(arena, [player])


def eligible_prey(arena: Arena, npc: Npc) -> list[Player]:
    """The characters a hostile NPC may start on: in its room (link-dead ones too),
    healthy, not catatonic, not admins, past their arrival ward, and seen by it for at
    least its ``aggro_delay_ticks``."""
    here = arena.roster.in_room(npc.room_id)
    present = {p.character.id for p in here}
    for gone in [cid for cid in npc.seen if cid not in present]:
        del npc.seen[gone]
    prey = []
    for player in sorted(here, key=lambda p: p.name.lower()):
        character = player.character
        first_seen = npc.seen.setdefault(character.id, arena.tick)
        if (
            character.condition == "healthy"
            and character.tier != "catatonic"
            and arena.links.role(player.id) != ADMIN_ROLE
            and arena.state.wards.get(character.id, 0.0) <= arena.now
            and arena.tick - first_seen >= npc.definition.aggro_delay_ticks
        ):
            prey.append(player)
    return prey


def hostiles_engage(arena: Arena) -> None:
    """Each hostile NPC not fighting, outside a safe room, starts on an eligible
    character of its room, picked at random."""
    for npc in list(arena.state.npcs.values()):
        if not isinstance(npc, Npc) or npc.definition.temperament != "hostile":
            continue
        if arena.world.room(npc.room_id).safe:
            continue
        if combat.fight_of(arena.state.fights, npc.id) is not None:
            continue
        prey = eligible_prey(arena, npc)
        if prey:
            npc_engages(arena, npc, arena.rng.choice(prey))


def combat_rounds(arena: Arena) -> None:
    """The rounds due this tick, rooms in id order."""
    due = [f for f in arena.state.fights.values() if arena.tick >= f.next_round_tick]
    for fight in sorted(due, key=lambda f: f.room_id):
        if not fight.over:
            run_round(arena, fight)
    forget_ended(arena.state)


def end_fights_in(arena: Arena, room_id: str) -> None:
    """Purge: the room's fight ends for everyone in it (reason ``gone``)."""
    fight = combat.fight_in(arena.state.fights, room_id)
    if fight is None:
        return
    for npc in npcs_in(arena.state, room_id):
        fight.leave(npc.id, "gone")
    carry_out(arena, fight, combat.settle(fight, bodies(arena, fight)))


def _arena(ctx: TickContext) -> Arena:
    return Arena(
        ctx.world,
        ctx.roster,
        ctx.state,
        ctx.rules,
        ctx.rng,
        ctx.status,
        ctx.tick,
        ctx.now,
        ctx.links,
    )


def engaging(ctx: TickContext, outcome: TickOutcome) -> None:
    """The tick's system: hostile NPCs start fights."""
    arena = _arena(ctx)
    hostiles_engage(arena)
    outcome.events += arena.events


def rounds(ctx: TickContext, outcome: TickOutcome) -> None:
    """The tick's system: the fights' rounds that are due."""
    arena = _arena(ctx)
    combat_rounds(arena)
    outcome.events += arena.events
