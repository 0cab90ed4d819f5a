"""The world directory in a game of a split map (docs/architecture.md, "The world
directory"): what this shard tells the others about its players (``ShardPresence``), and
the replica of what every shard told (``DirectoryReplica``), which every instance keeps,
the standbys too.

``ShardPresence`` publishes a ``Present`` or ``Absent`` delta for each change of a
player's presence (arrival, departure, room, link-dead, role), from inside the unit that
changed it, so the journal records it with the unit and a crash re-publishes it; and, on
the clock, a ``ShardSnapshot`` of every player every ``GAME_DIRECTORY_SNAPSHOT_SECONDS``.
A unit compares only its own player's entry unless someone joined or left (the roster's
``presence_version``); the clock compares everyone (who else moved: an admin's summon, a
fall), so such a move reaches the other shards within a tick.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.directory import (
    Absent,
    DirectoryDelta,
    Present,
    ShardSnapshot,
)
from mythos_contracts.routing import (
    DIRECTORY_DELTA_KEY,
    DIRECTORY_PATTERN,
    DIRECTORY_SNAPSHOT_KEY,
    EVENTS_EXCHANGE,
    game_directory_queue,
)
from pydantic import TypeAdapter

from mythos_game.domain.directory import Directory
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.shard_map import ShardMap
from mythos_game.domain.world import World
from mythos_game.service_layer.chat_history import ChatHistory
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.global_lines import GlobalLines
from mythos_game.service_layer.links import Links
from mythos_game.service_layer.player_transfer import PlayerTransfers
from mythos_game.service_layer.shard_calls import ShardCalls
from mythos_game.service_layer.stored_state import next_version
from mythos_game.service_layer.whisper_relays import WhisperRelays
from mythos_game.settings import GameSettings

log = logging.getLogger(__name__)

_HEARD: TypeAdapter[DirectoryDelta | ShardSnapshot] = TypeAdapter(DirectoryDelta | ShardSnapshot)


class DirectoryReplica:
    """This instance's replica, and the commands' ``DirectoryView`` of it (the players
    of the shards other than ``shard``)."""

    def __init__(
        self, shard: str, directory: Directory, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.shard = shard
        self._directory = directory
        self._clock = clock

    async def start(self, bus: Bus, instance: str) -> None:
        """Follow every shard's directory messages on this instance's own queue."""
        queue = game_directory_queue(instance)
        await bus.declare_queue(queue, durable=False, exclusive=True, dead_letter=False)
        await bus.bind(queue, EVENTS_EXCHANGE, DIRECTORY_PATTERN)
        await bus.consume(queue, self.heard)

    async def heard(self, delivery: Delivery) -> None:
        message = _HEARD.validate_json(delivery.body)
        now = self._clock()
        if isinstance(message, ShardSnapshot):
            self._directory.apply_snapshot(message, now)
            self._current()  # silent shards and old absences go, even with no reader
        else:
            self._directory.apply(message.entry, now)

    def _current(self) -> Directory:
        for shard in self._directory.expire(self._clock()):
            log.warning("shard %s fell silent: its players are out of the directory", shard)
        return self._directory

    def elsewhere(self) -> list[Present]:
        return self._current().present(besides=self.shard)

    def find_elsewhere(self, name: str) -> Present | None:
        return self._current().find_by_name(name, besides=self.shard)

    def get_elsewhere(self, player_id: str) -> Present | None:
        entry = self._current().get(player_id)
        return entry if entry is not None and entry.shard != self.shard else None

    def shards(self) -> list[ShardSnapshot]:
        return self._current().shards()


class ShardPresence:
    """What this shard publishes about its players; ``bus`` is the one the game
    publishes through (inside a unit, the journal's outbox)."""

    def __init__(
        self,
        roster: Roster,
        links: Links,
        bus: Bus,
        *,
        shard: str,
        instance: str,
        term: int,
        transfers: PlayerTransfers | None = None,
        snapshot_seconds: float = 1.0,
        snapshot_bus: Bus | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        """``snapshot_bus``: where snapshots go (default ``bus``): the game's bus past the
        journal, as a snapshot needs no record (the next one follows within a second,
        and stamps order it against the deltas whatever arrives first)."""
        self._roster = roster
        self._links = links
        self._bus = bus
        self._shard = shard
        self._instance = instance
        self._term = term
        self._transfers = transfers
        self._snapshot_seconds = snapshot_seconds
        self._snapshot_bus = snapshot_bus or bus
        self._wall_clock = wall_clock
        self._started_at = wall_clock()
        self._last_snapshot = 0.0
        self._published: dict[str, Present] = {}
        self._hops: dict[str, int] = {}
        """Each player's last hop here: their presence's while here, or their absence's."""
        self._arrived: dict[str, int] = {}
        """Hops of players who came by transfer, until their presence is published."""
        self._presence_version = -1

    def arrived(self, player_id: str, hop: int) -> None:
        """``player_id`` came by a transfer of ``hop``: their presence here has that hop."""
        if player_id not in self._published:
            self._arrived[player_id] = hop

    async def changed(self, player_id: str | None) -> None:
        """After a unit: publish what it changed of ``player_id``'s presence, or of
        anyone's when someone joined or left."""
        if self._roster.presence_version != self._presence_version:
            await self.everyone()
        elif player_id is not None:
            await self._compare(player_id)

    async def everyone(self) -> None:
        """Compare every player's entry with what was published, and publish the changes."""
        self._presence_version = self._roster.presence_version
        for player_id in sorted({*self._published, *(p.id for p in self._roster.online())}):
            await self._compare(player_id)

    async def tick(self) -> None:
        """On the clock: everyone's changes, and the snapshot when one is due."""
        await self.everyone()
        now = self._wall_clock()
        if now - self._last_snapshot < self._snapshot_seconds:
            return
        self._last_snapshot = now
        snapshot = ShardSnapshot(
            shard=self._shard,
            term=self._term,
            instance=self._instance,
            at=now,
            started_at=self._started_at,
            players=list(self._published.values()),
            journaled=self._transfers is None or self._transfers.owners.durable,
        )
        body = snapshot.model_dump_json().encode()
        await self._snapshot_bus.publish(
            EVENTS_EXCHANGE, DIRECTORY_SNAPSHOT_KEY, body, persistent=False
        )

    async def _compare(self, player_id: str) -> None:
        player = self._roster.get(player_id)
        known = self._published.get(player_id)
        if player is None:
            if known is not None:
                await self._absent(known)
            return
        # The hot path (a say): four fields compared, nothing built.
        if known is not None and _state(known) == self._state_of(player):
            return
        hop = known.hop if known is not None else self._hop_of(player_id)
        stamp = self._wall_clock()
        if known is not None:
            stamp = max(stamp, known.stamp + 1e-6)
        entry = self._entry(player, hop, stamp)
        self._published[player_id] = entry
        await self._publish(
            DIRECTORY_DELTA_KEY, DirectoryDelta(entry=entry).model_dump_json().encode()
        )

    def _hop_of(self, player_id: str) -> int:
        """A new presence's hop: the transfer's, or (a login) above every hop seen here."""
        hop = self._arrived.pop(player_id, None)
        if hop is None:
            seen = self._hops.get(player_id, 0)
            if self._transfers is not None:
                seen = max(seen, self._transfers.hop_of(player_id))
            hop = next_version(seen, self._wall_clock())
            if self._transfers is not None:
                # A crossing from here then takes a hop above this login's.
                self._transfers.note_hop(player_id, hop)
        self._hops[player_id] = hop
        return hop

    async def _absent(self, known: Present) -> None:
        del self._published[known.player_id]
        crossed_to = (
            None if self._transfers is None else self._transfers.forwarding(known.player_id)
        )
        entry = Absent(
            player_id=known.player_id,
            shard=self._shard,
            hop=known.hop,
            stamp=max(self._wall_clock(), known.stamp + 1e-6),
            reason="left" if crossed_to is None else "crossed",
            crossed_to=crossed_to,
        )
        await self._publish(
            DIRECTORY_DELTA_KEY, DirectoryDelta(entry=entry).model_dump_json().encode()
        )

    def _state_of(self, player: Player) -> tuple[str, str, bool, str]:
        return (
            player.name,
            player.room_id,
            self._links.linkdead(player.id),
            self._links.role(player.id),
        )

    def _entry(self, player: Player, hop: int, stamp: float) -> Present:
        name, room_id, linkdead, role = self._state_of(player)
        return Present(
            player_id=player.id,
            name=name,
            shard=self._shard,
            hop=hop,
            stamp=stamp,
            room_id=room_id,
            linkdead=linkdead,
            role=role,
        )

    async def _publish(self, key: str, body: bytes) -> None:
        # Transient: each replica's queue lives only as long as its instance.
        await self._bus.publish(EVENTS_EXCHANGE, key, body, persistent=False)


def _state(entry: Present) -> tuple[str, str, bool, str]:
    return (entry.name, entry.room_id, entry.linkdead, entry.role)


@dataclass(frozen=True)
class WorldSpan:
    """What a shard of a split map does for the world beyond it: its presence in the
    directory, the replica its commands read, whispers to other shards, ``global``
    and ``broadcast`` lines in the lobby's order, and admin commands on other shards'
    players."""

    presence: ShardPresence
    replica: DirectoryReplica
    whispers: WhisperRelays
    global_lines: GlobalLines
    calls: ShardCalls


async def follow_directory(
    bus: Bus, shard_map: ShardMap, settings: GameSettings, instance: str
) -> DirectoryReplica | None:
    """This instance's replica, following every shard from now on; None for a one-shard
    map (its roster is the world)."""
    if len(shard_map.shards) < 2:
        return None
    directory = Directory(shard_timeout=settings.directory_shard_timeout_seconds)
    replica = DirectoryReplica(settings.shard, directory)
    await replica.start(bus, instance)
    return replica


def world_span(
    replica: DirectoryReplica,
    settings: GameSettings,
    instance: str,
    term: int,
    world: World,
    roster: Roster,
    links: Links,
    publisher: EventPublisher,
    bus: Bus,
    transfers: PlayerTransfers,
    unrecorded: Bus,
    history: ChatHistory | None = None,
) -> WorldSpan:
    """Wire a shard of a split map to the rest of the world (``bus``: the game's own,
    ``unrecorded``: the same past the journal, for snapshots; ``history``: the chat
    lines kept for logins)."""
    presence = ShardPresence(
        roster,
        links,
        bus,
        shard=replica.shard,
        instance=instance,
        term=term,
        transfers=transfers,
        snapshot_seconds=settings.directory_snapshot_seconds,
        snapshot_bus=unrecorded,
    )
    whispers = WhisperRelays(
        world,
        roster,
        publisher,
        bus,
        shard=replica.shard,
        rules=settings.rules(),
        rng=random.Random(),
    )
    global_lines = GlobalLines(
        world,
        roster,
        publisher,
        bus,
        history,
        shard=replica.shard,
        rules=settings.rules(),
        rng=random.Random(),
    )
    calls = ShardCalls(bus, shard=replica.shard)
    transfers.calls = calls  # a crossing admin takes their pending calls along
    return WorldSpan(presence, replica, whispers, global_lines, calls)
