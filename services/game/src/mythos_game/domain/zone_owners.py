"""Who owns each zone now: the shard map as it started, changed by live zone moves
(docs/design/shards.md §3, §11). Plain data, no I/O.

Each zone carries the map version at which it got its owner: every zone starts at the
file's version, and a move gives the moved zone a version above every version this
shard knows. A change is applied only when its version is above the zone's, so a
change heard twice, late or out of order does nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from mythos_game.domain.shard_map import ShardMap
from mythos_game.domain.world import World


class ZoneOwners:
    def __init__(self, shard_map: ShardMap, shard: str) -> None:
        """``shard``: this instance's shard (what ``owns`` asks about)."""
        self.shard = shard
        self.durable = True
        """False when a restart would forget a move (no journal): moves are refused."""
        self._file_version = shard_map.version
        self._shards = tuple(shard_map.shards)
        self._owners: dict[str, tuple[str, int]] = {
            zone: (owner, shard_map.version)
            for owner, zones in shard_map.shards.items()
            for zone in zones
        }

    # -- reading -------------------------------------------------------------

    def owner(self, zone: str) -> str | None:
        """The shard owning ``zone`` (None: a zone of no shard)."""
        entry = self._owners.get(zone)
        return None if entry is None else entry[0]

    def version_of(self, zone: str) -> int:
        """The map version at which ``zone`` got its owner (0: unknown zone)."""
        entry = self._owners.get(zone)
        return 0 if entry is None else entry[1]

    def owns(self, zone: str) -> bool:
        """True when this instance's shard owns ``zone``."""
        return self.owner(zone) == self.shard

    def owns_room(self, world: World, room_id: str) -> bool:
        """True when this shard owns the zone of ``room_id`` (a room the world lacks: no)."""
        room = world.rooms.get(room_id)
        return room is not None and self.owns(room.zone_id)

    def zones_of(self, shard: str) -> tuple[str, ...]:
        """The zones ``shard`` owns now, sorted."""
        return tuple(sorted(z for z, (owner, _) in self._owners.items() if owner == shard))

    @property
    def shards(self) -> tuple[str, ...]:
        """The map's shards (a move never adds one)."""
        return self._shards

    @property
    def version(self) -> int:
        """The live map's version: the highest any zone has."""
        return max([self._file_version, *(v for _, v in self._owners.values())])

    def moved(self) -> dict[str, tuple[str, int]]:
        """The zones whose owner changed since the file: zone -> (owner, version)."""
        return {z: entry for z, entry in self._owners.items() if entry[1] > self._file_version}

    def as_file(self) -> str:
        """The live map as a ``shards.json`` text (what an operator commits after moves)."""
        body = {
            "version": self.version,
            "shards": {shard: {"zones": list(self.zones_of(shard))} for shard in self._shards},
        }
        return json.dumps(body, indent=2) + "\n"

    # -- changing ------------------------------------------------------------

    def apply(self, zone: str, owner: str, version: int) -> bool:
        """``zone`` belongs to ``owner`` from map ``version`` on, unless this shard knows
        a version as high already; True when it changed anything."""
        if zone not in self._owners or owner not in self._shards:
            return False
        if version <= self.version_of(zone):
            return False
        self._owners[zone] = (owner, version)
        return True

    def apply_all(self, moved: Mapping[str, tuple[str, int]]) -> None:
        """Apply several changes (``moved()`` of an instance, as a journal keeps them)."""
        for zone, (owner, version) in moved.items():
            self.apply(zone, owner, version)

    def next_version(self) -> int:
        """The version a move made now takes: above every version known here."""
        return self.version + 1
