"""A replica of the world directory: who is on which shard, merged from every shard's
deltas and snapshots (``mythos_contracts.directory``), in whatever order they arrive.

Each player's entry is the newest by (hop, an absence over a presence, stamp): a
player's entries are ordered by their own hops, so nothing needs ordering across shards.
A shard's snapshot confirms what it lists and ends what it no longer lists (as of the
snapshot's time: a presence stamped later stays). A shard heard from neither by delta
nor by snapshot for ``shard_timeout`` seconds is dropped with its players (it stopped,
and its standby has not taken over). Times passed in (``now``) are the reader's own
monotonic clock; stamps are the shards' wall clocks and are only compared per shard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mythos_contracts.directory import Absent, Present, ShardSnapshot

SHARD_TIMEOUT_SECONDS = 10.0
"""How long a shard may stay silent before its players are dropped from a replica
(``GAME_DIRECTORY_SHARD_TIMEOUT_SECONDS``)."""
TOMBSTONE_SECONDS = 300.0
"""How long an absence is kept, so that a late presence of the same hop (a delta
re-published after a takeover) cannot bring the player back."""

Entry = Present | Absent


def supersedes(new: Entry, old: Entry) -> bool:
    """True when ``new`` is the newer state of the same player than ``old``."""
    if new.hop != old.hop:
        return new.hop > old.hop
    new_absent, old_absent = isinstance(new, Absent), isinstance(old, Absent)
    if new_absent != old_absent:
        return new_absent
    return new.stamp >= old.stamp


@dataclass
class _Kept:
    entry: Entry
    received: float


@dataclass
class _Heard:
    last: float
    snapshot: ShardSnapshot | None = None


class Directory:
    """One instance's replica; its queries answer for every shard it has heard from."""

    def __init__(
        self,
        *,
        shard_timeout: float = SHARD_TIMEOUT_SECONDS,
        tombstone_seconds: float = TOMBSTONE_SECONDS,
    ) -> None:
        self._shard_timeout = shard_timeout
        self._tombstone_seconds = tombstone_seconds
        self._entries: dict[str, _Kept] = {}
        self._shards: dict[str, _Heard] = {}

    def apply(self, entry: Entry, now: float) -> bool:
        """Merge one delta; True when it changed the replica."""
        self._hear(entry.shard, now)
        return self._merge(entry, now)

    def apply_snapshot(self, snapshot: ShardSnapshot, now: float) -> None:
        """Merge a shard's full list. A snapshot of an older term (a stale instance) or
        older than the last one taken is ignored."""
        heard = self._shards.get(snapshot.shard)
        last = heard.snapshot if heard is not None else None
        if last is not None and (snapshot.term, snapshot.at) < (last.term, last.at):
            return
        self._shards[snapshot.shard] = _Heard(now, snapshot)
        listed = set()
        for present in snapshot.players:
            listed.add(present.player_id)
            self._merge(present, now)
        for player_id, kept in list(self._entries.items()):
            entry = kept.entry
            if (
                isinstance(entry, Present)
                and entry.shard == snapshot.shard
                and player_id not in listed
                and entry.stamp <= snapshot.at
            ):
                ended = Absent(
                    player_id=player_id, shard=entry.shard, hop=entry.hop, stamp=snapshot.at
                )
                self._entries[player_id] = _Kept(ended, now)

    def expire(self, now: float) -> list[str]:
        """Drop the shards silent for longer than the timeout, with their players, and
        absences older than the tombstone time; returns the shards dropped."""
        silent = [s for s, heard in self._shards.items() if now - heard.last > self._shard_timeout]
        for shard in silent:
            del self._shards[shard]
        gone = set(silent)
        for player_id, kept in list(self._entries.items()):
            entry = kept.entry
            if entry.shard in gone or (
                isinstance(entry, Absent) and now - kept.received > self._tombstone_seconds
            ):
                del self._entries[player_id]
        return silent

    def present(self, *, besides: str | None = None) -> list[Present]:
        """Every player in the world, or only those on shards other than ``besides``."""
        return [
            kept.entry
            for kept in self._entries.values()
            if isinstance(kept.entry, Present) and kept.entry.shard != besides
        ]

    def get(self, player_id: str) -> Present | None:
        """Where ``player_id`` is, if in the world."""
        kept = self._entries.get(player_id)
        return kept.entry if kept is not None and isinstance(kept.entry, Present) else None

    def find_by_name(self, name: str, *, besides: str | None = None) -> Present | None:
        """The player whose character is called ``name`` (any case), on a shard other
        than ``besides``."""
        wanted = name.lower()
        return next((p for p in self.present(besides=besides) if p.name.lower() == wanted), None)

    def shards(self) -> list[ShardSnapshot]:
        """The last snapshot of every shard heard from, by shard id."""
        return [
            heard.snapshot
            for _, heard in sorted(self._shards.items())
            if heard.snapshot is not None
        ]

    def _hear(self, shard: str, now: float) -> None:
        heard = self._shards.get(shard)
        if heard is None:
            self._shards[shard] = _Heard(now)
        else:
            heard.last = now

    def _merge(self, entry: Entry, now: float) -> bool:
        kept = self._entries.get(entry.player_id)
        if kept is not None and not supersedes(entry, kept.entry):
            return False
        self._entries[entry.player_id] = _Kept(entry, now)
        return True


class DirectoryView(Protocol):
    """What commands see of the directory: the players of the *other* shards (their own
    shard's are the roster), and every shard's last snapshot."""

    def elsewhere(self) -> list[Present]: ...

    def find_elsewhere(self, name: str) -> Present | None: ...

    def get_elsewhere(self, player_id: str) -> Present | None: ...

    def shards(self) -> list[ShardSnapshot]: ...


class NoDirectory:
    """A game holding the whole world: there is nobody elsewhere."""

    def elsewhere(self) -> list[Present]:
        return []

    def find_elsewhere(self, name: str) -> Present | None:
        return None

    def get_elsewhere(self, player_id: str) -> Present | None:
        return None

    def shards(self) -> list[ShardSnapshot]:
        return []
