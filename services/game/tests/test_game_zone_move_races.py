"""A zone moving while its players act (docs/design/shards.md §11): moved back again,
a player walking into it from another shard at that moment, a link-dead player in it,
two admins moving it at once, a move to a shard no game runs. On the split shipped world (``crossing_support``:
downtown, with Independence Square, is s1's; the Miskatonic quad north of it s2's), on
the in-process bus and on RabbitMQ. The test is the edge."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from crossing_support import (
    QUAD,
    SPLIT,
    SQUARE,
    MakeBus,
    PeerOn,
    delivered,
    ids,
    make_bus,
)
from mythos_contracts.envelope import RoomBound, SessionClosed, SessionOpened
from mythos_game.settings import GameSettings
from world_span_support import SEEN_ON_ARRIVAL, SpanEdge, span_pair

__all__ = ["make_bus"]  # the fixture, used by name


def _gapless(edge: SpanEdge, pid: str) -> None:
    numbers = [seq for seq, _ in delivered(edge.peer, pid)]
    assert numbers == list(range(1, len(numbers) + 1)), f"{pid}: {numbers}"


def _after(edge: SpanEdge, pid: str, count: int) -> set[str]:
    return {e.event_type for _, e in delivered(edge.peer, pid)[count:]}


async def _dave_on_the_quad(edge: SpanEdge) -> None:
    """Dave walks on to s2's quad, and Alice's shard has heard from s2 (so may move to it)."""
    await edge.walk("dave", "north", QUAD)
    await edge.until_heard("alice", "s2")


async def test_a_zone_moved_there_and_back_keeps_its_players_unaware(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    async with span_pair(make_bus, peer_on, game_settings, joined=("alice", "bob")) as pair:
        peer, edge, s2 = pair.peer, pair.edge, pair.s2
        await edge.until_heard("alice", "s2")
        before = {pid: len(delivered(peer, pid)) for pid in ("alice", "bob")}
        there = await edge.command("alice", "admin", "move", "downtown", "s2", role="admin")
        assert there.startswith("Zone downtown moves from s1 to s2 (map version 2)"), there
        await edge.talk("bob", "on s2", "alice")
        # Their edges still receive the square by its key: s2 publishes its events once.
        assert s2.parts is not None
        links = s2.parts.sessions.links
        assert [links[pid].room_bound for pid in ("alice", "bob")] == [True, True]
        await edge.until_heard("alice", "s1")
        back = await edge.command("alice", "admin", "move", "downtown", "s1", role="admin")
        assert back.startswith("Zone downtown moves from s2 to s1 (map version 3)"), back
        await edge.talk("bob", "on s1 again", "alice")
        await edge.talk("alice", "and still", "bob")
        for pid in ("alice", "bob"):
            assert edge.route(pid) == "s1"
            assert not SEEN_ON_ARRIVAL & _after(edge, pid, before[pid]), pid
            _gapless(edge, pid)
        zones = await edge.command("bob", "admin", "zones", role="admin")
        assert "downtown (v3)" in zones.split("s2:")[0], zones


async def test_a_player_walking_in_from_another_shard_as_the_zone_moves_enters_once(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    async with span_pair(make_bus, peer_on, game_settings, joined=("alice", "bob", "dave")) as pair:
        peer, edge = pair.peer, pair.edge
        await _dave_on_the_quad(edge)
        before = len(delivered(peer, "bob"))
        moving = await edge.post("alice", "admin", "move", "downtown", "s2", role="admin")
        walking = await edge.post("dave", "go", "south")
        await peer.wait_until(lambda: edge.answer("alice", moving) is not None, timeout=10)
        await peer.wait_until(lambda: edge.answer("dave", walking) is not None, timeout=10)
        await edge.send("dave", RoomBound(room_id=SQUARE, **ids("dave")))
        await edge.talk("dave", "made it", "alice", "bob")
        await edge.talk("bob", "welcome", "dave")
        entered = [
            e.data["player_name"]
            for _, e in delivered(peer, "bob")[before:]
            if e.event_type == "player_entered"
        ]
        assert entered == ["Dave"], entered
        for pid in ("alice", "bob", "dave"):
            _gapless(edge, pid)
        assert edge.route("dave") == "s2"


async def test_a_link_dead_player_in_the_zone_goes_with_it_and_comes_back_to_it(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    async with span_pair(make_bus, peer_on, game_settings, joined=("alice", "bob")) as pair:
        peer, edge = pair.peer, pair.edge
        await edge.send("bob", SessionClosed(**ids("bob")))
        await edge.until_heard("alice", "s2")  # the close handled meanwhile: Bob is link-dead
        answer = await edge.command("alice", "admin", "move", "downtown", "s2", role="admin")
        assert answer.startswith("Zone downtown moves from s1 to s2"), answer
        await peer.wait_until(lambda: edge.route("alice") == "s2", timeout=10)
        # Bob's edge comes back: to the lobby (s1), which sends him on to s2.
        states = len(edge.stamped("bob", "game_state"))
        await edge.send("bob", SessionOpened(**ids("bob")))
        await peer.wait_until(lambda: len(edge.stamped("bob", "game_state")) > states, timeout=10)
        assert edge.stamped("bob", "game_state")[-1].shard == "s2"
        await edge.send("bob", RoomBound(room_id=SQUARE, **ids("bob")))
        await edge.talk("bob", "back", "alice")
        await edge.talk("alice", "hi bob", "bob")


async def test_two_admins_moving_one_zone_at_once_move_it_once(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    async with span_pair(make_bus, peer_on, game_settings, joined=("alice", "bob", "dave")) as pair:
        peer, edge = pair.peer, pair.edge
        await _dave_on_the_quad(edge)
        first = await edge.post("alice", "admin", "move", "downtown", "s2", role="admin")
        second = await edge.post("dave", "admin", "move", "downtown", "s2", role="admin")
        await peer.wait_until(lambda: edge.answer("alice", first) is not None, timeout=10)
        await peer.wait_until(lambda: edge.answer("dave", second) is not None, timeout=10)
        texts = [
            str(a["result"])
            for a in (edge.answer("alice", first), edge.answer("dave", second))
            if a is not None
        ]
        assert sum(t.startswith("Zone downtown moves from s1 to s2") for t in texts) == 1, texts
        await edge.talk("bob", "one move", "alice")
        await asyncio.sleep(0.5)
        for pid in ("alice", "bob"):
            _gapless(edge, pid)


async def test_a_zone_is_never_moved_to_a_shard_whose_game_is_not_running(
    make_bus: MakeBus,
    peer_on: PeerOn,
    game_settings: Callable[..., GameSettings],
    tmp_path: Path,
) -> None:
    """s3 is in the map (with no zones, as a shard being added is) but no game runs it:
    its zone's state and players would go to a queue nobody reads, or nowhere."""
    three = tmp_path / "shards.3.json"
    body = json.loads(SPLIT.read_text())
    body["shards"]["s3"] = {"zones": []}
    three.write_text(json.dumps(body))
    async with span_pair(
        make_bus, peer_on, game_settings, shard_map=three, joined=("alice",)
    ) as pair:
        edge = pair.edge
        await edge.until_heard("alice", "s2")
        refused = await edge.command("alice", "admin", "move", "downtown", "s3", role="admin")
        assert refused.startswith("Shard s3 is not running"), refused
        zones = await edge.command("alice", "admin", "zones", role="admin")
        assert "s3: no zones" in zones and "file to commit" not in zones, zones
        moved = await edge.command("alice", "admin", "move", "uptown", "s1", role="admin")
        assert moved.startswith("Zone uptown moves from s2 to s1"), moved
