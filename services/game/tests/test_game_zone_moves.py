"""A zone moving, live, between two games (docs/design/shards.md §11), on the split
shipped world (``crossing_support``: downtown, with Independence Square, is s1's; the
Miskatonic quad north of it s2's). An admin's ``admin move`` is run by the zone's
owner; the players standing in the zone go with it and see nothing: no ``game_state``,
no ``room_update``, no one entering or leaving, the same numbers going on. The test is
the edge. On the in-process bus, and on RabbitMQ (a vhost of its own)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from crossing_support import (
    QUAD,
    SPLIT,
    SQUARE,
    MakeBus,
    PeerOn,
    delivered,
    make_bus,
    start_game,
    stop_all,
)
from journal_faults import DiesAfterRecording, crash_settings
from mythos_contracts.bus.journal import MemoryJournal
from mythos_contracts.bus.journal_batch import BatchingJournal
from mythos_contracts.routing import COMMANDS_EXCHANGE, command_key
from mythos_contracts.transfer import PlayerTransfer, transfer_delivery_id
from mythos_game.service_layer.journal_records import decode
from mythos_game.settings import GameSettings
from world_span_support import SEEN_ON_ARRIVAL, SpanEdge, span_pair, start_span_shard

__all__ = ["make_bus"]  # the fixture, used by name


def _numbers(edge: SpanEdge, pid: str) -> list[int]:
    return [seq for seq, _ in delivered(edge.peer, pid)]


def _after(edge: SpanEdge, pid: str, count: int) -> list[str]:
    """The kinds of what ``pid`` got after their first ``count`` messages."""
    return [e.event_type for _, e in delivered(edge.peer, pid)[count:]]


async def test_a_zone_moves_with_its_players_talking_and_they_see_nothing(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    async with span_pair(make_bus, peer_on, game_settings, joined=("alice", "bob", "dave")) as pair:
        peer, edge = pair.peer, pair.edge
        await edge.walk("dave", "north", QUAD)
        assert edge.route("bob") == "s1" and edge.route("dave") == "s2"
        await edge.talk("alice", "before the move", "bob")
        before = {pid: len(delivered(peer, pid)) for pid in ("alice", "bob")}

        # Dave, on s2, asks; s1 owns downtown, so s1 runs it and answers through s2.
        answer = await edge.command("dave", "admin", "move", "downtown", "s2", role="admin")

        assert answer.startswith("Zone downtown moves from s1 to s2 (map version 2)"), answer
        await edge.talk("bob", "after the move", "alice")  # sent to s1, forwarded
        await edge.talk("alice", "and again", "bob")
        for pid in ("alice", "bob"):
            assert edge.route(pid) == "s2", f"{pid}'s newest message is s2's"
            assert not SEEN_ON_ARRIVAL & set(_after(edge, pid, before[pid])), pid
            numbers = _numbers(edge, pid)
            assert numbers == list(range(1, len(numbers) + 1)), f"{pid}: {numbers}"
        zones = await edge.command("alice", "admin", "zones", role="admin")
        assert "s2: downtown (v2), miskatonic-university (v1), uptown (v1)" in zones, zones
        assert '"downtown"' in zones.split("the file to commit")[1]

        # Walking into the moved zone from s2's quad is no crossing any more, and a
        # login into it (the lobby is s1's) is sent on to s2.
        await edge.command("dave", "go", "south")
        await edge.join("erin")
        await peer.wait_until(lambda: edge.route("erin") == "s2", timeout=10)
        await edge.talk("erin", "hello all", "alice", "bob", "dave")


async def test_the_old_owner_dead_after_recording_the_release_is_continued_from_its_journal(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """s1 records the release (its map changed, the zone's state and players in its
    outbox) and dies before publishing any of it: the next s1 publishes the record's
    messages again, s2 adopts the zone, and the next s1 knows downtown is s2's."""
    peer = await peer_on(make_bus("test-peer"))
    journal = MemoryJournal()
    dying = DiesAfterRecording(journal, b'"zone_adopt"')
    settings = crash_settings(
        game_settings, shard="s1", shard_map=SPLIT, directory_snapshot_seconds=0.2
    )
    s2, s2_bus, _ = await start_span_shard(make_bus, game_settings, "s2")
    s1, s1_bus = await start_game(make_bus, "game-s1", settings, dying)
    edge = SpanEdge(peer)
    try:
        for pid in ("alice", "bob"):
            await edge.join(pid)
        await edge.until_heard("alice", "s2")
        before = len(delivered(peer, "bob"))
        await edge.post("alice", "admin", "move", "downtown", "s2", role="admin")
        await asyncio.wait_for(dying.died.wait(), 10)
        await s1_bus.close()
        s1, s1_bus = await start_game(make_bus, "game-s1-next", settings, journal)

        # Bob's next command reaches the next s1 (his route), which forwards it to s2.
        await edge.talk("bob", "still here", "alice")
        assert edge.route("bob") == "s2"
        assert not SEEN_ON_ARRIVAL & set(_after(edge, "bob", before))
        numbers = _numbers(edge, "bob")
        assert numbers == list(range(1, len(numbers) + 1)), numbers
        zones = await edge.command("alice", "admin", "zones", role="admin")
        assert "s1: french-hill (v1), river-district (v1)" in zones, zones
    finally:
        await stop_all(peer, (s1, s1_bus), (s2, s2_bus))


async def test_refusals_name_what_is_wrong_and_move_nothing(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    async with span_pair(make_bus, peer_on, game_settings, joined=("alice",)) as pair:
        edge = pair.edge

        async def move(*args: str, role: str = "admin") -> str:
            return await edge.command("alice", "admin", "move", *args, role=role)

        assert (await move("nowhere", "s2")).startswith("There is no zone 'nowhere'. Zones: ")
        assert await move("uptown", "s9") == "There is no shard 's9'. Shards: s1, s2."
        assert await move("uptown", "s2") == "Zone uptown is s2's already (map version 1)."
        assert not (await move("uptown", "s1", role="player")).startswith("Zone")
        assert (await edge.command("alice", "admin", "move", role="admin")).startswith("Usage: ")
        zones = await edge.command("alice", "admin", "zones", role="admin")
        assert "Shard map, version 1" in zones and "file to commit" not in zones, zones


async def test_a_transfer_into_a_moved_zone_is_sent_on_to_its_owner(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """A shard on an older map (here: a transfer written as one would send it) sends a
    player into the square to s1, which gave downtown to s2: s1 sends them on, and s2
    puts them in the square, where Bob sees them come in from s2."""
    async with span_pair(
        make_bus, peer_on, game_settings, joined=("alice", "bob", "carol")
    ) as pair:
        peer, edge, s1_journal = pair.peer, pair.edge, pair.s1_journal
        await edge.command("carol", "go", "north")  # to s2: her transfer is in s1's journal
        records = map(decode, await BatchingJournal(s1_journal).read_recent(60))
        sent = [o for r in records for o in r.outbox if b'"player_transfer"' in o.body]
        crossed = PlayerTransfer.model_validate_json(sent[0].body)
        assert crossed.player_id == "carol"
        await edge.until_heard("alice", "s2")
        answer = await edge.command("alice", "admin", "move", "downtown", "s2", role="admin")
        assert answer.startswith("Zone downtown moves from s1 to s2"), answer
        await edge.command("carol", "quit")
        await peer.wait_until(lambda: edge.stamped("carol", "disconnect") != [])

        hop = crossed.hop + 1000
        stale = crossed.model_copy(
            update={
                "delivery_id": transfer_delivery_id("carol", hop),
                "hop": hop,
                "room_id": SQUARE,
                "stored": crossed.stored.model_copy(update={"room_id": SQUARE}),
                "pending": None,
            }
        )

        def entered() -> list[str | None]:
            return [
                e.shard
                for e in edge.stamped("bob", "player_entered")
                if e.data["player_name"] == "Carol"
            ]

        joined = entered()  # when she joined, from s1
        key = command_key("s1", "carol")
        await peer.bus.publish(COMMANDS_EXCHANGE, key, stale.model_dump_json().encode())

        await peer.wait_until(lambda: entered() == [*joined, "s2"], timeout=10)
        forwarded = [
            r.forwards for r in map(decode, await BatchingJournal(s1_journal).read_recent(60))
        ]
        assert {"carol": ("s2", hop)} in forwarded, "s1 forwards her inputs to s2 after her"


async def test_no_zone_moves_to_a_shard_that_runs_without_its_journal(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """s2 runs with no journal: its restart would forget a zone it took, so none goes to
    it (its directory snapshot says so)."""
    peer = await peer_on(make_bus("test-peer"))
    s1, s1_bus, _ = await start_span_shard(make_bus, game_settings, "s1")
    settings = game_settings(
        shard="s2", shard_map=SPLIT, heartbeat_interval_seconds=0.2, directory_snapshot_seconds=0.2
    )
    s2, s2_bus = await start_game(make_bus, "game-s2", settings, None)
    edge = SpanEdge(peer)
    try:
        await edge.join("alice")
        refused = await edge.until(
            "alice",
            lambda text: not text.startswith("Shard s2 is not running"),
            "admin",
            "move",
            "downtown",
            "s2",
            role="admin",
        )
        assert refused.startswith("Shard s2 runs without its journal"), refused
        zones = await edge.command("alice", "admin", "zones", role="admin")
        assert "s1: downtown (v1), french-hill (v1), river-district (v1)" in zones, zones
    finally:
        await stop_all(peer, (s1, s1_bus), (s2, s2_bus))
