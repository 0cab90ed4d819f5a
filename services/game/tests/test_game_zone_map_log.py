"""The zone map log (docs/design/shards.md §3): a shard down for longer than its
journal keeps still knows, when it starts again, the zones it gave away. On the
in-process bus with an in-process log, and on RabbitMQ with the log a stream of the
test's vhost (``mythos.zone-map``, kept by size only)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from crossing_support import MakeBus, PeerOn, make_bus, stop_all
from mythos_contracts.bus.amqp_journal import AmqpJournal
from mythos_contracts.bus.journal import Journal, MemoryJournal
from mythos_contracts.routing import zone_map_log
from mythos_game.service_layer.zone_map_log import (
    encode_change,
    fold_changes,
    merge_zones,
    read_zone_map,
)
from mythos_game.settings import GameSettings
from world_span_support import SpanEdge, start_span_shard

__all__ = ["make_bus"]  # the fixture, used by name


def _zone_maps(request: pytest.FixtureRequest) -> Callable[[], Journal]:
    """Each game's handle on the one zone map log of the test's broker."""
    if request.node.callspec.params["make_bus"] == "memory":
        log = MemoryJournal(max_age_seconds=math.inf)
        return lambda: log
    url = request.getfixturevalue("amqp_url")
    return lambda: AmqpJournal(url, zone_map_log(), max_age_seconds=None, max_bytes=1_000_000)


async def test_a_shard_down_past_its_journal_knows_the_zone_it_gave_away(
    make_bus: MakeBus,
    peer_on: PeerOn,
    game_settings: Callable[..., GameSettings],
    request: pytest.FixtureRequest,
) -> None:
    zone_map = _zone_maps(request)
    peer = await peer_on(make_bus("test-peer"))
    s1, s1_bus, _ = await start_span_shard(make_bus, game_settings, "s1", zone_map=zone_map())
    s2, s2_bus, _ = await start_span_shard(make_bus, game_settings, "s2", zone_map=zone_map())
    edge = SpanEdge(peer)
    try:
        await edge.join("alice")
        await edge.until_heard("alice", "s2")  # a move goes only to a running shard
        answer = await edge.command("alice", "admin", "move", "downtown", "s2", role="admin")
        assert answer.startswith("Zone downtown moves from s1 to s2 (map version 2)"), answer
        assert s2.parts is not None
        s2_owners = s2.parts.owners
        await peer.wait_until(lambda: s2_owners.owns("downtown"), timeout=10)

        # Both s1 pods gone longer than the journal keeps: the next starts on an empty one.
        await s1.stop()
        await s1_bus.close()
        s1, s1_bus, _ = await start_span_shard(make_bus, game_settings, "s1", zone_map=zone_map())

        assert s1.parts is not None
        owners = s1.parts.owners
        assert owners.owner("downtown") == "s2" and owners.version_of("downtown") == 2
        assert not owners.owns("downtown")
        assert owners.zones_of("s1") == ("french-hill", "river-district")
    finally:
        await stop_all(peer, (s1, s1_bus), (s2, s2_bus))


def test_the_highest_version_of_each_zone_wins() -> None:
    logged = fold_changes(
        [
            encode_change("downtown", "s2", 2),
            b"not a change",
            encode_change("downtown", "s1", 3),
            encode_change("uptown", "s1", 4),
            encode_change("downtown", "s2", 2),  # heard twice
        ]
    )
    assert logged == {"downtown": ("s1", 3), "uptown": ("s1", 4)}
    journaled = {"downtown": ("s2", 5), "uptown": ("s2", 1), "campus": ("s1", 2)}
    assert merge_zones(logged, journaled) == {
        "downtown": ("s2", 5),
        "uptown": ("s1", 4),
        "campus": ("s1", 2),
    }


async def test_a_move_the_log_missed_is_appended_again_from_the_journal() -> None:
    """A game that died between its journal record and the log's: the next one's start
    puts the journal's change in the log."""
    log = MemoryJournal(max_age_seconds=math.inf)
    await log.append(encode_change("downtown", "s2", 2))
    journaled = {"downtown": ("s2", 2), "uptown": ("s2", 3)}

    assert await read_zone_map(log, journaled) == journaled
    assert fold_changes(await log.read_recent(math.inf)) == journaled
    assert len(await log.read_recent(math.inf)) == 2  # nothing the log had twice
