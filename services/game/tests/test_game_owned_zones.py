"""Each shard runs the world only in the zones it owns (docs/design/shards.md §8.2, §11),
with two games on one bus (``crossing_support``) over the shipped world split as
``world/shards.2.json``, plus a spawn rule for papers on the Miskatonic quad (s2's).
s1 holds none of s2's floor items and fills, decays and runs nothing there; and a zone's
state taken out of s2 and put into s1 keeps every item at its stored version, saving
nothing."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from crossing_support import (
    QUAD,
    SPLIT,
    SQUARE,
    Edge,
    MakeBus,
    PeerOn,
    make_bus,
    start_shard,
    stop_all,
)
from mythos_contracts.persistence import ItemRecord
from mythos_contracts.zone_moves import ZoneState
from mythos_game.adapters.world_files import load_world
from mythos_game.bootstrap import GameService
from mythos_game.domain.game_state import GameState
from mythos_game.service_layer.game_parts import GameParts
from mythos_game.settings import GameSettings

__all__ = ["make_bus"]  # the fixture, used by name

UNIVERSITY, LIBRARY = "miskatonic-university", "orne-library"
PAPERS = f"{QUAD}/0"
"""The quad's rule (added to the shipped world here): one paper at a time."""
WORLD = load_world(SPLIT.parent)
S2_ROOMS = {r.id for r in WORLD.rooms.values() if r.zone_id in (UNIVERSITY, "uptown")}
UNIVERSITY_ROOMS = {r.id for r in WORLD.rooms.values() if r.zone_id == UNIVERSITY}


@pytest.fixture
def world_dir(tmp_path: Path) -> Path:
    """The shipped world, the quad keeping one paper on its floor."""
    world = tmp_path / "world"
    shutil.copytree(SPLIT.parent, world)
    quad_file = world / "miskatonic-university" / "the-quad.json"
    body = json.loads(quad_file.read_text())
    assert body["rooms"][0]["id"] == QUAD
    body["rooms"][0]["spawns"] = [{"item": "arkham-advertiser", "max": 1, "every_seconds": 600}]
    quad_file.write_text(json.dumps(body))
    return world


def lantern(version: int = 5) -> ItemRecord:
    """A lantern someone left on the quad's floor (no spawn rule's: it decays)."""
    return ItemRecord(
        item_id="it-lantern",
        prototype_id="brass-lantern",
        location_kind="room",
        location_id=QUAD,
        version=version,
    )


def parts(service: GameService) -> GameParts:
    assert service.parts is not None
    return service.parts


def state(service: GameService) -> GameState:
    return parts(service).sessions.state


def npc_rooms(service: GameService) -> set[str]:
    return {npc.room_id for npc in state(service).npcs.values()}


async def ticks(count: int = 6) -> None:
    """Long enough for ``count`` ticks of each game (every 0.05 s)."""
    await asyncio.sleep(0.05 * count)


async def test_a_shard_fills_runs_and_holds_nothing_in_another_shards_zones(
    make_bus: MakeBus,
    peer_on: PeerOn,
    game_settings: Callable[..., GameSettings],
    world_dir: Path,
) -> None:
    peer = await peer_on(make_bus("test-peer"))
    peer.items["it-lantern"] = lantern()
    s1, s1_bus, _ = await start_shard(make_bus, game_settings, "s1", world_dir=world_dir)
    games = [(s1, s1_bus)]
    try:
        await ticks()  # s1 alone: whatever lies in s2's rooms now is none of its doing
        made = [i.item_id for i in peer.items.values() if i.location_id in S2_ROOMS]
        assert made == ["it-lantern"], "s1 fills no rule of s2's rooms (no paper on the quad)"
        assert not set(state(s1).floors) & S2_ROOMS, "s1 holds no floor item of s2's rooms"
        assert not npc_rooms(s1) & S2_ROOMS, "no night librarian on s1"
        assert "burying-ground" in npc_rooms(s1), "s1 fills its own rules"

        s2, s2_bus, _ = await start_shard(make_bus, game_settings, "s2", world_dir=world_dir)
        games.append((s2, s2_bus))
        await peer.wait_until(lambda: LIBRARY in npc_rooms(s2))
        await ticks()

        papers = [i for i in peer.items.values() if i.origin == PAPERS]
        assert len(papers) == 1, "one paper on the quad, s2's"
        assert not set(state(s1).floors) & S2_ROOMS and not npc_rooms(s1) & S2_ROOMS
        assert not {rule.split("/")[0] for rule in state(s1).spawn_due} & S2_ROOMS
        assert "it-lantern" not in state(s1).floor_since
        # s2 holds its own, and only those.
        assert {i.id for i in state(s2).floor(QUAD)} == {"it-lantern", papers[0].item_id}
        assert set(state(s2).floors) <= S2_ROOMS and npc_rooms(s2) <= S2_ROOMS
    finally:
        await stop_all(peer, *games)


async def test_what_a_player_picked_up_on_its_owner_is_never_decayed_by_another_shard(
    make_bus: MakeBus,
    peer_on: PeerOn,
    game_settings: Callable[..., GameSettings],
    world_dir: Path,
) -> None:
    """s1's floor items last 0.72 s, s2's for ever: the lantern on the quad is s2's to
    keep, and Alice's once she picks it up there; s1 must never tombstone it."""
    peer = await peer_on(make_bus("test-peer"))
    peer.items["it-lantern"] = lantern()
    s1, s1_bus, _ = await start_shard(
        make_bus, game_settings, "s1", world_dir=world_dir, floor_item_hours=0.0002
    )
    s2, s2_bus, _ = await start_shard(
        make_bus, game_settings, "s2", world_dir=world_dir, floor_item_hours=0
    )
    try:
        edge = Edge(peer)
        await edge.join("alice")
        await edge.walk("alice", "north", QUAD, "a-go")
        got = await edge.command("alice", "get", "lantern", command_id="a-get")
        assert got["success"], got["result"]
        await peer.wait_until(lambda: peer.items["it-lantern"].location_kind == "carried")
        await asyncio.sleep(1.5)  # two of s1's floor lives

        assert peer.items["it-lantern"].location_kind == "carried"
        assert [s.location_kind for s in peer.item_saves if s.item_id == "it-lantern"] == [
            "carried"
        ], "saved once, by s2, as Alice picked it up"
    finally:
        await stop_all(peer, (s1, s1_bus), (s2, s2_bus))


async def test_a_zone_taken_out_of_s2_and_put_into_s1_keeps_its_items_and_saves_nothing(
    make_bus: MakeBus,
    peer_on: PeerOn,
    game_settings: Callable[..., GameSettings],
    world_dir: Path,
) -> None:
    peer = await peer_on(make_bus("test-peer"))
    # Stored at a version ahead of the clock: a save not above it would be ignored.
    ahead = int(time.time() * 1000) + 10_000_000
    peer.items["it-lantern"] = lantern(ahead)
    s1, s1_bus, _ = await start_shard(make_bus, game_settings, "s1", world_dir=world_dir)
    s2, s2_bus, _ = await start_shard(make_bus, game_settings, "s2", world_dir=world_dir)
    try:
        edge = Edge(peer)
        await edge.join("alice")
        await edge.walk("alice", "north", QUAD, "a-go")
        took = await edge.command("alice", "get", "paper", command_id="a-get")
        assert took["success"], took["result"]
        await edge.walk("alice", "south", SQUARE, "a-back")
        # s2 runs the quad's rule, short now, and the lantern's floor clock.
        await peer.wait_until(
            lambda: PAPERS in state(s2).spawn_due and "it-lantern" in state(s2).floor_since
        )
        assert LIBRARY in npc_rooms(s2)
        stored = {
            i.item_id: i.model_dump(include=set(ItemRecord.model_fields))
            for i in peer.items.values()
            if i.location_kind == "room" and i.location_id in UNIVERSITY_ROOMS
        }
        assert "it-lantern" in stored
        saves_before = len(peer.item_saves)
        npcs_before = {
            n.id: (n.room_id, n.dp)
            for n in state(s2).npcs.values()
            if n.room_id in UNIVERSITY_ROOMS
        }
        s1_parts, s2_parts = parts(s1), parts(s2)
        with pytest.raises(ValueError, match="gave up"):
            s2_parts.zones.take_out(UNIVERSITY)  # s2 owns it still

        version = s2_parts.owners.next_version()
        async with s2_parts.dispatcher._units.unit():
            assert s2_parts.owners.apply(UNIVERSITY, "s1", version)
            moved = s2_parts.zones.take_out(UNIVERSITY)
        wire = ZoneState.model_validate_json(moved.model_dump_json())
        with pytest.raises(ValueError, match="not this shard's"):
            await s1_parts.zones.put_in(wire)  # s1 does not own it yet
        async with s1_parts.dispatcher._units.unit():
            assert s1_parts.owners.apply(UNIVERSITY, "s1", version)
            placed = await s1_parts.zones.put_in(wire)
        await ticks()

        assert {i.item_id: i.model_dump() for i in wire.items} == stored
        assert placed == len(stored)
        assert wire.spawn_due[PAPERS] == state(s1).spawn_due[PAPERS] > time.time()
        assert wire.floor_since == {"it-lantern": state(s1).floor_since["it-lantern"]}
        # s2 keeps nothing of the zone; s1 holds it, with the same NPCs (ids, wounds).
        assert not set(state(s2).floors) & UNIVERSITY_ROOMS
        assert not npc_rooms(s2) & UNIVERSITY_ROOMS
        assert PAPERS not in state(s2).spawn_due and not state(s2).floor_since
        assert {i.id for i in state(s1).floor(QUAD)} == {"it-lantern"}
        assert LIBRARY in npc_rooms(s1)
        assert {
            n.id: (n.room_id, n.dp)
            for n in state(s1).npcs.values()
            if n.room_id in UNIVERSITY_ROOMS
        } == npcs_before
        assert [n.npc_id for n in wire.npcs] == list(npcs_before)
        assert peer.item_saves[saves_before:] == [], "nothing saved by either shard"

        # The quad is s1's now: Alice walks in without crossing, and what s1 saves of
        # the lantern goes above the version it is stored at.
        await edge.walk("alice", "north", QUAD, "a-go-again")
        assert edge.route("alice") == "s1"
        got = await edge.command("alice", "get", "lantern", command_id="a-lantern")
        assert got["success"], got["result"]
        await peer.wait_until(lambda: peer.items["it-lantern"].location_kind == "carried")
        assert peer.items["it-lantern"].version == ahead + 1
    finally:
        await stop_all(peer, (s1, s1_bus), (s2, s2_bus))


async def test_an_npc_killed_before_its_zone_moves_comes_back_on_its_rules_timer(
    make_bus: MakeBus,
    peer_on: PeerOn,
    game_settings: Callable[..., GameSettings],
    world_dir: Path,
) -> None:
    """The library's librarian (a rule of one, every 300 s) is gone from s2 when the
    zone moves: its rule's timer goes with the zone, and s1 does not bring it back
    before that timer runs out (nobody in the zone sees an NPC appear early)."""
    peer = await peer_on(make_bus("test-peer"))
    s1, s1_bus, _ = await start_shard(make_bus, game_settings, "s1", world_dir=world_dir)
    s2, s2_bus, _ = await start_shard(make_bus, game_settings, "s2", world_dir=world_dir)
    try:
        s1_parts, s2_parts = parts(s1), parts(s2)
        async with s2_parts.dispatcher._units.unit():
            librarian = next(n for n in state(s2).npcs.values() if n.room_id == LIBRARY)
            del state(s2).npcs[librarian.id]  # as a fight that killed it does
        await peer.wait_until(lambda: librarian.origin in state(s2).spawn_due)
        due = state(s2).spawn_due[str(librarian.origin)]
        assert due > time.time() + 60

        version = s2_parts.owners.next_version()
        async with s2_parts.dispatcher._units.unit():
            assert s2_parts.owners.apply(UNIVERSITY, "s1", version)
            moved = s2_parts.zones.take_out(UNIVERSITY)
        async with s1_parts.dispatcher._units.unit():
            assert s1_parts.owners.apply(UNIVERSITY, "s1", version)
            await s1_parts.zones.put_in(moved)
        await ticks()

        assert state(s1).spawn_due[str(librarian.origin)] == due
        assert LIBRARY not in npc_rooms(s1), "the librarian is back before its timer"
    finally:
        await stop_all(peer, (s1, s1_bus), (s2, s2_bus))
