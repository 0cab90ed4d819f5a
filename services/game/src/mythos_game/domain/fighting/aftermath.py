"""What a fight's acts mean for the world: each act told to the room, then made so (a
dead NPC leaves with its loot and its killer's XP, a fleeing NPC walks out, a deranged
character may run from a hard blow), and the characters' ``in_combat`` kept in step with
the fights."""

from __future__ import annotations

from collections.abc import Iterable

from mythos_contracts.events import Combatant, ItemEventData

from mythos_game.domain import combat, lucidity
from mythos_game.domain.breakdown import witnesses_of_death
from mythos_game.domain.combat import Act, Fight
from mythos_game.domain.combat_text import combat_events
from mythos_game.domain.fighting.bodies import Arena, account_of, bodies, player_of
from mythos_game.domain.game_state import GameState
from mythos_game.domain.item_views import item_view
from mythos_game.domain.items import Item
from mythos_game.domain.movement import move_player
from mythos_game.domain.npc_life import Npc, move_npc, npcs_in, remove_npc
from mythos_game.domain.npcs import capitalized
from mythos_game.domain.outgoing import Outgoing, ToRoom
from mythos_game.domain.roster import Player


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


def end_fights_in(arena: Arena, room_id: str) -> None:
    """Purge: the room's fight ends for everyone in it (reason ``gone``)."""
    fight = combat.fight_in(arena.state.fights, room_id)
    if fight is None:
        return
    for npc in npcs_in(arena.state, room_id):
        fight.leave(npc.id, "gone")
    carry_out(arena, fight, combat.settle(fight, bodies(arena, fight)))
