"""How fights start: a character takes on an NPC or another character, and hostile NPCs
start on the characters of their room."""

from __future__ import annotations

from mythos_game.domain import combat
from mythos_game.domain.breakdown import encounter_shock
from mythos_game.domain.combat import Act
from mythos_game.domain.fighting.aftermath import carry_out
from mythos_game.domain.fighting.bodies import Arena, CharacterBody, bodies
from mythos_game.domain.links import ADMIN_ROLE
from mythos_game.domain.npc_life import Npc
from mythos_game.domain.npcs import capitalized
from mythos_game.domain.outgoing import Outgoing
from mythos_game.domain.roster import Player


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


def _shaken(arena: Arena, player: Player, npc: Npc) -> None:
    """Meeting a horror in a fight costs lucidity (``breakdown.encounter_shock``)."""
    arena.events += encounter_shock(
        arena.world, arena.roster, arena.state, player, npc, arena.status, arena.now
    )


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
    """Each hostile NPC not fighting, in a room this shard owns that is not safe, starts
    on an eligible character of its room, picked at random."""
    for npc in list(arena.state.npcs.values()):
        if not isinstance(npc, Npc) or npc.definition.temperament != "hostile":
            continue
        if not arena.owns(npc.room_id):
            continue
        if arena.world.room(npc.room_id).safe:
            continue
        if combat.fight_of(arena.state.fights, npc.id) is not None:
            continue
        prey = eligible_prey(arena, npc)
        if prey:
            npc_engages(arena, npc, arena.rng.choice(prey))
