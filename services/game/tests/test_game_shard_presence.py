"""What a shard publishes to the world directory (``ShardPresence``): a delta per change
of a player's presence and nothing for a unit that changed none (a ``say``), the
snapshot on its interval, and a replica that follows them on the in-process bus."""

from __future__ import annotations

import asyncio
from typing import Any

from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.directory import Absent, DirectoryDelta, Present, ShardSnapshot
from mythos_contracts.routing import DIRECTORY_DELTA_KEY, DIRECTORY_SNAPSHOT_KEY, EVENTS_EXCHANGE
from mythos_game.domain.directory import Directory
from mythos_game.domain.roster import Player, Roster
from mythos_game.service_layer.links import Link, Links
from mythos_game.service_layer.world_directory import DirectoryReplica, ShardPresence


class Recorder:
    """The bus a presence publishes on: keeps what was published, in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    async def publish(self, exchange: str, key: str, body: bytes, **_: Any) -> None:
        assert exchange == EVENTS_EXCHANGE
        self.sent.append((key, body))

    def deltas(self) -> list[Present | Absent]:
        return [
            DirectoryDelta.model_validate_json(body).entry
            for key, body in self.sent
            if key == DIRECTORY_DELTA_KEY
        ]

    def snapshots(self) -> list[ShardSnapshot]:
        return [
            ShardSnapshot.model_validate_json(body)
            for key, body in self.sent
            if key == DIRECTORY_SNAPSHOT_KEY
        ]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _presence(clock: Clock) -> tuple[ShardPresence, Recorder, Roster, Links]:
    roster, links, bus = Roster(), Links(), Recorder()
    presence = ShardPresence(
        roster,
        links,
        bus,  # type: ignore[arg-type]  # only publish is used
        shard="s2",
        instance="g-1",
        term=3,
        snapshot_seconds=1.0,
        wall_clock=clock,
    )
    return presence, bus, roster, links


async def test_a_delta_per_change_and_none_for_a_unit_that_changed_no_presence() -> None:
    clock = Clock()
    presence, bus, roster, links = _presence(clock)
    bob = Player("bob", "Bob", "miskatonic-quad", 1)
    roster.add(bob)
    links.add("bob", Link("c-bob"))
    await presence.changed("bob")
    (arrived,) = bus.deltas()
    assert isinstance(arrived, Present)
    assert (arrived.player_id, arrived.shard, arrived.room_id) == ("bob", "s2", "miskatonic-quad")
    assert arrived.hop == 1_000_000 and not arrived.linkdead  # a login: wall-clock ms

    for _ in range(3):  # three says
        await presence.changed("bob")
    assert len(bus.deltas()) == 1

    clock.now += 1
    roster.move(bob, "orne-library")
    await presence.changed("bob")
    links["bob"].linkdead_since = 5.0
    await presence.changed("bob")
    moved, dropped = bus.deltas()[1:]
    assert isinstance(moved, Present) and moved.room_id == "orne-library"
    assert isinstance(dropped, Present) and dropped.linkdead
    assert arrived.hop == moved.hop == dropped.hop
    assert arrived.stamp < moved.stamp < dropped.stamp

    roster.remove("bob")
    await presence.changed(None)  # another player's unit: someone left, everyone compared
    left = bus.deltas()[-1]
    assert isinstance(left, Absent)
    assert (left.hop, left.reason, left.crossed_to) == (arrived.hop, "left", None)


async def test_the_tick_finds_moves_of_others_and_snapshots_on_its_interval() -> None:
    clock = Clock()
    presence, bus, roster, links = _presence(clock)
    for pid in ("amy", "bo"):
        roster.add(Player(pid, pid.title(), "miskatonic-quad", 1))
        links.add(pid, Link(f"c-{pid}"))
    await presence.tick()
    assert [d.player_id for d in bus.deltas()] == ["amy", "bo"]
    (first,) = bus.snapshots()
    assert (first.shard, first.term, first.instance, first.at) == ("s2", 3, "g-1", 1000.0)
    assert sorted(p.player_id for p in first.players) == ["amy", "bo"]

    # An admin summons Bo during Amy's unit: the tick publishes it.
    bo = roster.get("bo")
    assert bo is not None
    roster.move(bo, "orne-library")
    await presence.changed("amy")
    clock.now += 0.5
    await presence.tick()
    assert bus.deltas()[-1].player_id == "bo" and len(bus.snapshots()) == 1  # not due yet
    clock.now += 0.5
    await presence.tick()
    assert len(bus.snapshots()) == 2
    assert {p.player_id: p.room_id for p in bus.snapshots()[-1].players}["bo"] == "orne-library"


async def test_a_replica_on_the_bus_follows_a_shard_and_ignores_its_own() -> None:
    broker = InMemoryBroker()
    bus = InMemoryBus(broker)
    await bus.connect()
    replica = DirectoryReplica("s1", Directory())
    await replica.start(bus, "g-s1")
    clock = Clock()
    roster, links = Roster(), Links()
    presence = ShardPresence(
        roster, links, bus, shard="s2", instance="g-s2", term=1, wall_clock=clock
    )
    roster.add(Player("bob", "Bob", "miskatonic-quad", 1))
    await presence.tick()
    async with asyncio.timeout(5):
        # Polled: the replica's consumer runs on its own, with nothing to await.
        while replica.find_elsewhere("bob") is None:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    assert [s.shard for s in replica.shards()] == ["s2"]
    assert replica.get_elsewhere("bob") is not None
    # Its own shard's players are the roster's, never the replica's.
    seen_by_s2 = Directory()
    entry = replica.get_elsewhere("bob")
    assert entry is not None
    seen_by_s2.apply(entry, 0.0)
    local = DirectoryReplica("s2", seen_by_s2)
    assert local.elsewhere() == [] and local.find_elsewhere("bob") is None
    assert local.get_elsewhere("bob") is None
    await bus.close()
