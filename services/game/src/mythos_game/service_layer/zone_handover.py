"""A zone moving, live, between shards (docs/design/shards.md §11): the owner releases
it, the new owner adopts it, every other shard hears of it.

``release`` runs in the unit of work of the ``admin move`` that asked for it (on the
zone's owner; the admin's own shard, or the owner answering a ``ShardCall``): in that
one unit the owner gives the zone to the new owner in its map (journaled), takes the
zone's state out of its memory, and sends, in this order on one channel, ``ZoneAdopt``
with the state, a ``PlayerTransfer`` (``zone_move``) for each player standing in the
zone, and ``ZoneOwnerChanged`` to every shard. The players see nothing: nobody moved.
Their edges go on sending to the old owner, which forwards (``player_transfer``) until
the new owner's first message for them moves their route.

The unit that releases a zone and the one that adopts it also put the change in the
world's zone map log (``zone_map_log``), which a shard down for longer than its
journal keeps reads when it starts again.

A shard that has not heard of the move yet sends a player walking into the zone to the
old owner, which sends them on (``PlayerTransfers.arrive``). Every step is recorded in
the journal, and every message has an id derived from the zone and version: published
again after a crash, each does nothing the second time.
"""

from __future__ import annotations

import logging

from mythos_contracts.bus import Bus
from mythos_contracts.routing import COMMANDS_EXCHANGE, all_shards_key, command_key
from mythos_contracts.zone_handover import (
    ZONE_MOVE_TARGET,
    ZONE_OWNER_KIND,
    ZoneAdopt,
    ZoneOwnerChanged,
    zone_message_id,
)

from mythos_game.domain.outgoing import ZoneMove
from mythos_game.domain.roster import Roster
from mythos_game.domain.world import World
from mythos_game.domain.zone_owners import ZoneOwners
from mythos_game.service_layer.player_transfer import PlayerTransfers
from mythos_game.service_layer.stream_journal import StreamJournal
from mythos_game.service_layer.zone_states import ZoneStates

log = logging.getLogger(__name__)


class ZoneHandover:
    def __init__(
        self,
        world: World,
        roster: Roster,
        owners: ZoneOwners,
        transfers: PlayerTransfers,
        states: ZoneStates,
        bus: Bus,
        journal: StreamJournal | None,
    ) -> None:
        """``bus``: the one the game publishes through (inside a unit, the journal's)."""
        self._world = world
        self._roster = roster
        self._owners = owners
        self._transfers = transfers
        self._states = states
        self._bus = bus
        self._journal = journal

    async def release(self, move: ZoneMove) -> None:
        """Hand ``move.zone``, which this shard owns, to ``move.to``, with the players
        standing in it."""
        owners, zone = self._owners, move.zone
        if not owners.owns(zone):
            log.warning(
                "zone %s is not this shard's to move (it is %s's)", zone, owners.owner(zone)
            )
            return
        version = owners.next_version()
        owners.apply(zone, move.to, version)
        if self._journal is not None:
            self._journal.zone_owner(zone, move.to, version, to_map=True)
        adopt = ZoneAdopt(
            delivery_id=zone_message_id("adopt", zone, version),
            zone=zone,
            owner=move.to,
            version=version,
            from_shard=owners.shard,
            state=self._states.take_out(zone),
        )
        key = command_key(move.to, ZONE_MOVE_TARGET)
        await self._bus.publish(COMMANDS_EXCHANGE, key, adopt.model_dump_json().encode())
        standing = sorted(
            (p for p in self._roster.online() if self._zone_of(p.room_id) == zone),
            key=lambda p: p.id,
        )
        sent = [self._transfers.depart(p, move.to, None, zone_move=True) for p in standing]
        await self._transfers.send(sent)
        changed = ZoneOwnerChanged(
            delivery_id=zone_message_id("owner", zone, version),
            zone=zone,
            owner=move.to,
            version=version,
            from_shard=owners.shard,
        )
        await self._bus.publish(
            COMMANDS_EXCHANGE, all_shards_key(ZONE_OWNER_KIND), changed.model_dump_json().encode()
        )
        log.info(
            "zone %s moves to shard %s (map version %d) with %d player(s), %d item(s); "
            "the live map:\n%s",
            zone,
            move.to,
            version,
            len(sent),
            len(adopt.state.items),
            owners.as_file(),
        )

    async def adopt(self, message: ZoneAdopt) -> None:
        """Take over a zone another shard released to this one, with its state."""
        owners = self._owners
        if message.owner != owners.shard:
            log.warning("zone %s was sent here for shard %s: ignored", message.zone, message.owner)
            return
        if not owners.apply(message.zone, message.owner, message.version):
            log.info("zone %s (map version %d) adopted already", message.zone, message.version)
            return
        if self._journal is not None:
            self._journal.zone_owner(message.zone, message.owner, message.version, to_map=True)
        await self._states.put_in(message.state)
        log.info(
            "zone %s adopted from shard %s (map version %d) with %d item(s)",
            message.zone,
            message.from_shard,
            message.version,
            len(message.state.items),
        )

    def owner_changed(self, message: ZoneOwnerChanged) -> None:
        """Another shard moved a zone: send players walking into it to its new owner.
        Never makes this shard an owner (only ``adopt`` does, with the zone's state), and
        never takes a zone from it (only its own ``release`` does)."""
        owners = self._owners
        if message.owner == owners.shard or owners.owns(message.zone):
            return
        if owners.apply(message.zone, message.owner, message.version):
            if self._journal is not None:
                self._journal.zone_owner(message.zone, message.owner, message.version)
            log.info(
                "zone %s is shard %s's now (map version %d)",
                message.zone,
                message.owner,
                message.version,
            )

    def _zone_of(self, room_id: str) -> str | None:
        room = self._world.rooms.get(room_id)
        return None if room is None else room.zone_id
