"""Crossing a shard boundary (docs/design/shards.md §7) through crashes, with two games
on one bus (``crossing_support``): a sender dead right after recording a departure, a
receiver dead right after recording the arrival, a sender restarted from its journal.
The next game continues from the journal: one answer, one ``game_state``, gapless."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from crossing_support import (
    QUAD,
    SPLIT,
    Edge,
    MakeBus,
    PeerOn,
    delivered,
    ids,
    kinds,
    make_bus,
    presence,
    start_game,
    start_shard,
    stop_all,
)
from journal_faults import DiesAfterRecording, crash, crash_settings
from mythos_contracts.bus.journal import MemoryJournal
from mythos_contracts.envelope import PlayerCommand, RoomBound
from mythos_game.settings import GameSettings

__all__ = ["make_bus"]  # the fixture, used by name


async def test_a_sender_dead_after_recording_the_departure_is_continued_by_the_next(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """s1 records Alice's departure (her stream closed, the transfer in its outbox) and
    dies before publishing any of it: the next s1 publishes the record's messages again
    from the journal, s2 takes Alice, and the go redelivered to the new s1 is skipped
    (its delivery id was handled): one answer, from s2, in the same stream."""
    peer = await peer_on(make_bus("test-peer"))
    journal = MemoryJournal()
    dying = DiesAfterRecording(journal, b'"player_transfer"')
    settings = crash_settings(game_settings, shard="s1", shard_map=SPLIT)
    s2, s2_bus, _ = await start_shard(make_bus, game_settings, "s2")
    s1, s1_bus = await start_game(make_bus, "game-s1", settings, dying)
    edge = Edge(peer)
    for pid in ("alice", "carol"):
        await edge.join(pid)
    go = PlayerCommand(**ids("alice"), command="go", args=["north"], command_id="a-go")
    await edge.send("alice", go)
    await asyncio.wait_for(dying.died.wait(), 10)
    assert edge.answers("alice", "a-go") == [], "recorded, not published"
    await crash(s1, s1_bus)

    s1, s1_bus = await start_game(make_bus, "game-s1-next", settings, journal)
    # A restart on a loaded machine: the answer comes once the next game took over.
    await peer.wait_until(lambda: len(edge.answers("alice", "a-go")) == 1, timeout=30)
    assert edge.route("alice") == "s2"
    await edge.send("alice", RoomBound(room_id=QUAD, **ids("alice")))
    said = await edge.command("alice", "say", "made it", command_id="a-said")
    assert said["success"]
    await asyncio.sleep(0.3)  # the redelivered go would have been answered by now

    assert len(edge.answers("alice", "a-go")) == 1, "the go ran once"
    assert edge.answers("alice", "a-go")[0]["result"].startswith("You go north.")
    assert presence(peer, "carol", "player_left") == [("s1", "Alice")]
    numbers = [seq for seq, _ in delivered(peer, "alice")]
    assert numbers == list(range(1, len(numbers) + 1)), "gapless across the crash"
    assert kinds(peer, "alice").count("game_state") == 1
    await stop_all(peer, (s1, s1_bus), (s2, s2_bus))


async def test_a_receiver_dead_after_recording_the_arrival_is_continued_by_the_next(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """s2 records Alice's arrival (her stream restored, the answer to her go in its
    outbox) and dies before publishing any of it: the next s2 publishes it from the
    journal, skips the transfer redelivered to it, and continues her stream."""
    peer = await peer_on(make_bus("test-peer"))
    journal = MemoryJournal()
    dying = DiesAfterRecording(journal, b'"xfer:alice:')
    settings = crash_settings(game_settings, shard="s2", shard_map=SPLIT)
    s1, s1_bus, _ = await start_shard(make_bus, game_settings, "s1")
    s2, s2_bus = await start_game(make_bus, "game-s2", settings, dying)
    edge = Edge(peer)
    await edge.join("alice")
    go = PlayerCommand(**ids("alice"), command="go", args=["north"], command_id="a-go")
    await edge.send("alice", go)
    await asyncio.wait_for(dying.died.wait(), 10)
    assert edge.answers("alice", "a-go") == [], "recorded, not published"
    await crash(s2, s2_bus)

    s2, s2_bus = await start_game(make_bus, "game-s2-next", settings, journal)
    # A restart on a loaded machine: the answer comes once the next game took over.
    await peer.wait_until(lambda: len(edge.answers("alice", "a-go")) == 1, timeout=30)
    assert edge.route("alice") == "s2"
    said = await edge.command("alice", "say", "made it", command_id="a-said")
    assert said["success"]
    await asyncio.sleep(0.3)  # a transfer taken twice would have shown by now

    assert len(edge.answers("alice", "a-go")) == 1, "the go was answered once"
    numbers = [seq for seq, _ in delivered(peer, "alice")]
    assert numbers == list(range(1, len(numbers) + 1)), "gapless across the crash"
    assert kinds(peer, "alice").count("game_state") == 1, "continued, not resynced"
    await stop_all(peer, (s1, s1_bus), (s2, s2_bus))


async def test_a_sender_restarted_from_its_journal_still_forwards(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """s1 crashes after Alice crossed: the next s1 reads in its journal that her inputs
    go to s2, and forwards a late one there instead of taking her in again."""
    peer = await peer_on(make_bus("test-peer"))
    s1, s1_bus, s1_journal = await start_shard(make_bus, game_settings, "s1")
    s2, s2_bus, _ = await start_shard(make_bus, game_settings, "s2")
    edge = Edge(peer)
    await edge.join("alice")
    await edge.walk("alice", "north", QUAD, "a-go")
    await crash(s1, s1_bus)

    settings = game_settings(shard="s1", shard_map=SPLIT, handoff=False)
    s1, s1_bus = await start_game(make_bus, "game-s1-next", settings, s1_journal)
    late = await edge.command("alice", "say", "late", command_id="a-late", shard="s1")
    assert late["success"]
    await asyncio.sleep(0.2)
    assert kinds(peer, "alice").count("game_state") == 1, "not taken in again by s1"
    assert edge.route("alice") == "s2", "answered by s2"
    numbers = [seq for seq, _ in delivered(peer, "alice")]
    assert numbers == list(range(1, len(numbers) + 1))
    await stop_all(peer, (s1, s1_bus), (s2, s2_bus))
