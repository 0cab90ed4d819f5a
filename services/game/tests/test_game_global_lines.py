"""``global`` and ``broadcast`` with two games whose maps split the shipped world
(``world/shards.2.json``: Independence Square is s1's, the Miskatonic quad s2's): the
lobby's part is s1's (its inbox takes ``command.lobby.#``), which orders every line,
saves a ``global`` one once and relays it to both shards. The test is the edge. On the
in-process bus, and on RabbitMQ (a vhost of its own)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from crossing_support import MakeBus, make_bus
from mythos_contracts.bus import Bus
from mythos_contracts.events import ChatMessageData
from mythos_contracts.global_lines import GLOBAL_LINE_KIND, GlobalLine, GlobalSaid
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    LOBBY_SHARD,
    all_shards_key,
    command_key,
)
from mythos_game.settings import GameSettings
from world_span_support import span_pair, start_guarded_s1

PeerOn = Callable[[Bus], Awaitable[Any]]


__all__ = ["make_bus"]  # the fixture, used by name


async def test_global_lines_from_both_shards_reach_everyone_in_one_order(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    async with span_pair(
        make_bus, peer_on, game_settings, joined=("alice", "bob", "carol", "dave")
    ) as pair:
        peer, edge = pair.peer, pair.edge
        for pid in ("bob", "dave"):
            await edge.command(pid, "go", "north")
        assert [edge.route(p) for p in ("alice", "bob", "carol", "dave")] == [
            "s1",
            "s2",
            "s1",
            "s2",
        ]

        # Alice on s1 and Bob on s2 talk at once: each answered by their own shard.
        posted = []
        for n in range(4):
            posted.append(("alice", await edge.post("alice", "global", f"a{n}")))
            posted.append(("bob", await edge.post("bob", "global", f"b{n}")))
        for pid, command_id in posted:
            await peer.wait_until(lambda p=pid, c=command_id: edge.answer(p, c) is not None)
        answers = [edge.answer(p, c) for p, c in posted]
        assert [a["result"] for a in answers if a] == [
            f"[global] {name}: {who}{n}"
            for n in range(4)
            for name, who in (("Alice", "a"), ("Bob", "b"))
        ]

        # Carol (s1) and Dave (s2) hear all eight, in one order, each from their shard.
        await peer.wait_until(lambda: len(edge.chats("carol")) == 8)
        await peer.wait_until(lambda: len(edge.chats("dave")) == 8)
        carol, dave = edge.chats("carol"), edge.chats("dave")
        assert {shard for shard, _ in carol} == {"s1"}
        assert {shard for shard, _ in dave} == {"s2"}
        order = [text for _, text in carol]
        assert [text for _, text in dave] == order
        assert sorted(order) == sorted(a["result"] for a in answers if a)
        # The speakers hear each other's lines (not their own) in that order too.
        await peer.wait_until(lambda: len(edge.chats("alice")) == 4)
        await peer.wait_until(lambda: len(edge.chats("bob")) == 4)
        assert [t for _, t in edge.chats("alice")] == [t for t in order if "Bob:" in t]
        assert [t for _, t in edge.chats("bob")] == [t for t in order if "Alice:" in t]

        # Saved once each, by the lobby, in that order.
        await peer.wait_until(lambda: len(peer.chat_lines) == 8)
        assert [line.text for line in peer.chat_lines] == order

        # A login on s1 shows both speakers' lines in that order.
        await edge.join("erin")
        assert [t for _, t in edge.chats("erin", history=True)] == order

        # A broadcast from an admin on s2: everyone, the admin too, once.
        said = await edge.until(
            "dave",
            lambda text: text.startswith("Broadcast to 5 players"),
            "broadcast",
            "closing",
            "soon",
            role="admin",
        )
        assert said == "Broadcast to 5 players: closing soon"
        system = "[system] closing soon"
        everyone = (("alice", "s1"), ("bob", "s2"), ("carol", "s1"), ("dave", "s2"), ("erin", "s1"))
        for pid, _ in everyone:
            await peer.wait_until(lambda p=pid: any(t == system for _, t in edge.chats(p)))
        await edge.command("carol", "look")
        await edge.command("bob", "look")
        for pid, shard in everyone:
            assert [c for c in edge.chats(pid) if c[1] == system] == [(shard, system)]
        assert len(peer.chat_lines) == 8  # a broadcast is not kept for logins


async def test_a_relayed_line_is_stamped_once_and_only_from_a_game(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    shard = await start_guarded_s1(peer_on, game_settings, journal=True)
    peer, edge, game_user = shard.peer, shard.edge, shard.game_user
    try:
        await edge.join("alice")
        line = ChatMessageData(
            channel="global",
            player_id="mallory",
            player_name="Mallory",
            message="trust me",
            text="[global] Mallory: trust me",
        )
        relay = GlobalLine(
            delivery_id="line-1",
            player_id="mallory",
            channel="global",
            line=line,
            exclude_speaker=True,
        ).model_dump_json()
        forged = GlobalSaid(
            delivery_id="said-1",
            player_id="mallory",
            from_shard="s2",
            channel="global",
            line=line.model_copy(update={"text": "[global] Mallory: forged"}),
            exclude_speaker=True,
        ).model_dump_json()
        key = all_shards_key(GLOBAL_LINE_KIND)
        await peer.bus.publish(COMMANDS_EXCHANGE, key, relay.replace("line-1", "edge").encode())
        await peer.bus.publish(
            COMMANDS_EXCHANGE, command_key(LOBBY_SHARD, "mallory"), forged.encode()
        )
        for _ in range(2):  # the lobby's relay published again (after a crash)
            await game_user.publish(COMMANDS_EXCHANGE, key, relay.encode())
        await peer.wait_until(lambda: edge.chats("alice") != [])
        assert await edge.command("alice", "look")  # handled after every relay
        assert edge.chats("alice") == [("s1", "[global] Mallory: trust me")]
    finally:
        await shard.close()
