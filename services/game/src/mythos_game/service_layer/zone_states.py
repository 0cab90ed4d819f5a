"""A zone's state, out of this game and into another (a live zone move,
docs/design/shards.md §11): ``take_out`` on the shard giving the zone up, ``put_in`` on
the shard taking it. The rules are ``domain/zone_state.py``'s; here the items get their
stored versions (``ItemRecords``), so the new owner's next save of each goes above them.

Neither saves anything: the items stay stored as they are, and only the shard owning
their zone ever saves them again. Both run inside the caller's unit of work (the
dispatcher's), after ``ZoneOwners.apply`` gave the zone its new owner: from then on the
clock leaves the zone alone on the shard giving it up, and runs it on the one taking it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from mythos_contracts.zone_moves import ZoneState

from mythos_game.domain.game_state import Place
from mythos_game.domain.roster import Roster
from mythos_game.domain.ticks import TickContext
from mythos_game.domain.world import World
from mythos_game.domain.zone_owners import ZoneOwners
from mythos_game.domain.zone_state import npc_from, npc_record, put_clocks, take_zone
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.sessions import Sessions

log = logging.getLogger(__name__)


class ZoneStates:
    def __init__(
        self,
        world: World,
        roster: Roster,
        sessions: Sessions,
        publisher: EventPublisher,
        owners: ZoneOwners,
        tick_context: Callable[[], TickContext],
    ) -> None:
        """``tick_context``: what the clock's systems see now (``GameClock.tick_context``),
        for the spawn rules of a zone put in."""
        self._world = world
        self._roster = roster
        self._sessions = sessions
        self._publisher = publisher
        self._owners = owners
        self._tick_context = tick_context

    def take_out(self, zone: str) -> ZoneState:
        """Take ``zone``'s floor items, their floor clocks, its spawn rules' timers and
        its NPCs out of memory (any fight with them ends, quietly), saving nothing and
        telling no one; the zone's state for its new owner. Refused (``ValueError``)
        while this shard still owns the zone: the clock would fill it again."""
        if self._owners.owns(zone) or zone not in self._world.zone_ids():
            raise ValueError(f"zone {zone!r} is not one this shard gave up")
        state = self._sessions.state
        records = self._sessions.items.records
        taken = take_zone(self._world, state, self._roster, zone)
        items = [records.record(item, Place("room", room_id)) for room_id, item in taken.floors]
        records.forget(item for _, item in taken.floors)
        log.info(
            "zone %s taken out: %d floor item(s), %d spawn timer(s), %d NPC(s) gone",
            zone,
            len(items),
            len(taken.spawn_due),
            len(taken.npcs),
        )
        tick = self._tick_context().tick
        return ZoneState(
            zone=zone,
            items=items,
            spawn_due=taken.spawn_due,
            floor_since=taken.floor_since,
            npcs=[npc_record(npc, tick) for npc in taken.npcs],
        )

    async def put_in(self, zone_state: ZoneState) -> int:
        """Put a zone's state in: its items on their floors (nothing saved), their floor
        clocks, its rules' timers and its NPCs, telling no one (the clients know them).
        Returns how many items were placed; an item or NPC outside the zone, or of a
        kind or room this world lacks, is left out, logged. Refused (``ValueError``)
        unless this shard owns the zone now."""
        zone = zone_state.zone
        if not self._owners.owns(zone):
            raise ValueError(f"zone {zone!r} is not this shard's")
        rooms = set(self._world.zone_rooms(zone))
        inside = [item for item in zone_state.items if item.location_id in rooms]
        for item in zone_state.items:
            if item.location_id not in rooms:
                log.warning("item %s lies outside zone %s: left out", item.item_id, zone)
        state = self._sessions.state
        placed = self._sessions.items.records.place(state, inside)
        put_clocks(self._world, state, zone, zone_state.spawn_due, zone_state.floor_since)
        tick = self._tick_context().tick
        rooms_npcs = [r for r in zone_state.npcs if r.room_id in rooms]
        for record in rooms_npcs:
            npc = npc_from(self._world, record, tick)
            if npc is None or npc.id in state.npcs:
                log.warning("NPC %s of zone %s left out", record.npc_id, zone)
                continue
            state.npcs[npc.id] = npc  # as the clients know it: nobody is told
        # Not filled now: a rule short of its max (one was killed) fills when its timer,
        # which came with the zone, runs out, as it would have on the old owner.
        log.info("zone %s put in: %d floor item(s), %d NPC(s)", zone, placed, len(rooms_npcs))
        return placed
