"""Admin commands on a player of another shard, with two games whose maps split the
shipped world (``world/shards.2.json``: Independence Square is s1's, the Miskatonic quad
north of it s2's): the admin's shard sends the command to the target's
(``ShardCall``), which runs it and answers (``ShardCallResult``); the admin's command
is answered then, or refused once ``CALL_TIMEOUT_SECONDS`` pass. The test is the edge.
On the in-process bus, and on RabbitMQ (a vhost of its own)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from crossing_support import QUAD, SQUARE, MakeBus, make_bus
from mythos_contracts.bus import Bus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_game.settings import GameSettings
from world_span_support import SpanEdge, span_pair, start_span_shard

PeerOn = Callable[[Bus], Awaitable[Any]]


__all__ = ["make_bus"]  # the fixture, used by name


def _located(edge: SpanEdge, pid: str, room: str) -> bool:
    updates = edge.stamped(pid, "room_update")
    return bool(updates) and updates[-1].data["room"]["id"] == room


def _system(edge: SpanEdge, pid: str) -> list[tuple[str | None, str]]:
    return [(s, t) for s, t in edge.chats(pid) if t.startswith("[system]")]


async def test_an_admin_on_s1_moves_mutes_and_kicks_players_on_s2(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    async with span_pair(
        make_bus, peer_on, game_settings, joined=("alice", "bob", "carol", "dave", "erin")
    ) as pair:
        peer, edge = pair.peer, pair.edge
        for pid in ("bob", "dave", "erin"):
            await edge.walk(pid, "north", QUAD)
        assert edge.route("alice") == "s1" and edge.route("bob") == "s2"

        # teleport, within s2: answered on s1 once s2 has done it.
        moved = await edge.until(
            "alice",
            lambda text: not text.startswith("There is no one"),
            "teleport",
            "Bob",
            "science-hall",
            role="admin",
        )
        assert moved == "Bob is now in Science Hall Laboratory (science-hall)."
        await peer.wait_until(lambda: _located(edge, "bob", "science-hall"))
        assert edge.route("bob") == "s2"
        assert _system(edge, "bob") == [
            ("s2", "[system] Alice moves you to Science Hall Laboratory.")
        ]
        left = [e for e in edge.stamped("dave", "player_left") if e.data["player_name"] == "Bob"]
        assert [e.shard for e in left] == ["s1", "s2"]  # walking north, then teleported

        # mute and unmute, on s2: Dave is told, and cannot speak until unmuted.
        assert await edge.command("alice", "mute", "Dave", "5", role="admin") == (
            "Dave is muted for 5 minutes."
        )
        assert _system(edge, "dave") == [
            ("s2", "[system] Alice has muted you for 5 minutes: you cannot speak until then.")
        ]
        refused = await edge.command("dave", "say", "hello")
        assert refused.startswith("You are muted for"), refused
        assert await edge.command("alice", "unmute", "Dave", role="admin") == (
            "Dave may speak again."
        )
        assert await edge.command("dave", "say", "hello") == "You say: hello"

        # kick, on s2: Erin is told why, closed with 4004, and leaves the world.
        assert await edge.command("alice", "kick", "Erin", "too", "loud", role="admin") == (
            "Erin is removed from the game."
        )
        assert ("s2", "[system] Alice has removed you from the game: too loud") in edge.chats(
            "erin"
        )
        await peer.wait_until(lambda: edge.stamped("erin", "disconnect") != [])
        closed = edge.stamped("erin", "disconnect")
        assert [(e.shard, e.data["code"]) for e in closed] == [("s2", 4004)]
        await edge.until("alice", lambda text: "Erin" not in text, "who")

        # summon, from s2 to Alice's room on s1: Dave crosses; Carol sees him come.
        seen = len(edge.stamped("carol", "player_entered"))
        assert await edge.command("alice", "summon", "Dave", role="admin") == (
            "Dave is now in Independence Square (independence-square)."
        )
        await peer.wait_until(lambda: _located(edge, "dave", SQUARE))
        assert edge.route("dave") == "s1"
        await peer.wait_until(lambda: len(edge.stamped("carol", "player_entered")) > seen)
        entered = edge.stamped("carol", "player_entered")[seen:]
        assert [(e.shard, e.data["player_name"]) for e in entered] == [("s1", "Dave")]

        # goto Bob, on s2: Alice crosses to him, answered by s2 with the room it holds.
        went = await edge.command("alice", "goto", "Bob", role="admin")
        assert went.startswith("You step between places.\nScience Hall Laboratory"), went
        assert "Bob" in went
        assert edge.route("alice") == "s2"
        came = [e for e in edge.stamped("bob", "player_entered") if "Alice" in str(e.data)]
        assert [e.shard for e in came] == ["s2"]


async def test_a_call_to_a_shard_that_does_not_answer_gives_up(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    s1, s1_bus, _ = await start_span_shard(lambda name: InMemoryBus(broker), game_settings, "s1")
    s2, s2_bus, _ = await start_span_shard(lambda name: InMemoryBus(broker), game_settings, "s2")
    edge = SpanEdge(peer)
    try:
        for pid in ("alice", "bob"):
            await edge.join(pid)
        await edge.command("bob", "go", "north")
        await edge.until("alice", lambda text: "Bob" in text, "who")
        await s2.stop()  # Bob stays in s1's directory for a while
        started = asyncio.get_running_loop().time()
        answer = await edge.command("alice", "mute", "Bob", role="admin")
        waited = asyncio.get_running_loop().time() - started
        assert answer == "Could not reach Bob; try again."
        assert 4.9 < waited < 8, waited
    finally:
        await s1.stop()
        for bus in (s1_bus, s2_bus, peer.bus):
            await bus.close()
