"""One zone's state in a game's memory, taken out when the zone moves to another shard
and put back by the shard that takes it (docs/design/shards.md §8.2, §11). Pure, no I/O.

What a game holds of a zone: the items on its floors (stored too), the floor decay's
clock of each (``floor_since``), the spawn rules' timers (``spawn_due``), and the NPCs
with their fights (never stored). Taking a zone out drops all of it from memory quietly:
no event, nothing to save. The items and the clocks travel to the new owner
(``mythos_contracts.zone_moves.ZoneState``, built by ``service_layer/zone_states.py``,
which adds the items' stored versions), and so do the NPCs, as they are (``npc_record``,
``npc_from``): the players in the zone see the same ones. Fights do not travel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mythos_contracts.zone_moves import NpcRecord

from mythos_game.domain.fighting.bodies import player_of
from mythos_game.domain.game_state import GameState
from mythos_game.domain.items import Item
from mythos_game.domain.npc_life import Npc
from mythos_game.domain.roster import Roster
from mythos_game.domain.world import World


@dataclass
class TakenZone:
    floors: list[tuple[str, Item]]
    """``(room id, item)`` of each item that lay on the zone's floors: rooms in id order,
    each floor in its order."""
    spawn_due: dict[str, float]
    """The zone's spawn rules' timers, by rule id."""
    floor_since: dict[str, float]
    """The floor decay's clock of those items, by item id."""
    npcs: list[Npc]
    """The NPCs taken out of the world (carried to the new owner: ``npc_record``)."""


def zone_rule_ids(world: World, zone: str) -> set[str]:
    """The ids (``{room_id}/{index}``) of the spawn rules of the zone's rooms."""
    return {rule.id for room_id in world.zone_rooms(zone) for rule in world.rooms[room_id].spawns}


def take_zone(world: World, state: GameState, roster: Roster, zone: str) -> TakenZone:
    """Take ``zone``'s floor items, their clocks, its rules' timers and its NPCs out of
    ``state``; any fight in the zone or with one of its NPCs ends, quietly (no event:
    whoever fought there is leaving with the zone)."""
    rooms = world.zone_rooms(zone)
    rules = zone_rule_ids(world, zone)
    floors = [(room_id, item) for room_id in rooms for item in state.forget_floor(room_id)]
    since = state.floor_since
    floor_since = {item.id: since.pop(item.id) for _, item in floors if item.id in since}
    spawn_due = {rule: state.spawn_due.pop(rule) for rule in sorted(rules & set(state.spawn_due))}
    in_zone = set(rooms)
    npcs = [
        npc
        for npc in state.npcs.values()
        if isinstance(npc, Npc) and (npc.room_id in in_zone or npc.origin in rules)
    ]
    for npc in npcs:
        del state.npcs[npc.id]
    _end_fights(state, roster, in_zone, {npc.id for npc in npcs})
    return TakenZone(floors, spawn_due, floor_since, npcs)


def _end_fights(state: GameState, roster: Roster, rooms: set[str], npc_ids: set[str]) -> None:
    for fight in list(state.fights.values()):
        if fight.room_id not in rooms and npc_ids.isdisjoint(fight.fighters):
            continue
        del state.fights[fight.id]
        for fighter_id in fight.fighters:
            player = player_of(roster, fighter_id)
            if player is not None:
                # No status_update: the character's next one (or their arrival on
                # the new owner, ``Arrivals``) tells it.
                player.character.in_combat = False


def put_clocks(
    world: World,
    state: GameState,
    zone: str,
    spawn_due: Mapping[str, float],
    floor_since: Mapping[str, float],
) -> None:
    """Restore a zone's clocks taken out by another shard, once its items are on the
    floors: the timers of the zone's own rules, the clocks of the items lying there
    (anything else is left out)."""
    rules = zone_rule_ids(world, zone)
    state.spawn_due.update({rule: due for rule, due in spawn_due.items() if rule in rules})
    lying = {item.id for room_id in world.zone_rooms(zone) for item in state.floor(room_id)}
    state.floor_since.update({i: since for i, since in floor_since.items() if i in lying})


def npc_record(npc: Npc, tick: int) -> NpcRecord:
    """``npc`` as a moving zone carries it (``tick``: this game's clock now)."""
    return NpcRecord(
        npc_id=npc.id,
        prototype_id=npc.prototype,
        room_id=npc.room_id,
        dp=npc.dp,
        origin=npc.origin,
        home_subzone=npc.home_subzone,
        moved_ticks_ago=max(0, tick - npc.moved_tick),
        regen_ticks_ago=max(0, tick - npc.regen_tick),
        seen_ticks_ago={cid: max(0, tick - seen) for cid, seen in npc.seen.items()},
        shocked=sorted(npc.shocked),
    )


def npc_from(world: World, record: NpcRecord, tick: int) -> Npc | None:
    """The NPC ``record`` carries, on this game's clock (``tick``); None when this world
    lacks its kind or room (left out)."""
    definition = world.npcs.get(record.prototype_id)
    if definition is None or record.room_id not in world.rooms:
        return None
    return Npc(
        record.npc_id,
        definition,
        record.room_id,
        min(record.dp, definition.dp or record.dp),
        origin=record.origin,
        home_subzone=record.home_subzone,
        moved_tick=tick - record.moved_ticks_ago,
        regen_tick=tick - record.regen_ticks_ago,
        seen={cid: tick - ago for cid, ago in record.seen_ticks_ago.items()},
        shocked=set(record.shocked),
    )
