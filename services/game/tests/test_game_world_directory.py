"""The world directory with two games whose maps split the shipped world
(``world/shards.2.json``: Independence Square is s1's, the Miskatonic quad north of it
s2's): ``who`` lists both shards' players, a whisper crosses to s2 and the reply comes
back, ``admin status`` shows both shards, and a player who leaves s2 drops out of s1's
``who``. The test is the edge (each player's inputs go to the shard of their newest
message). On the in-process bus, and on RabbitMQ (a vhost of its own)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from crossing_support import QUAD, MakeBus, ids, make_bus
from mythos_contracts.bus import Bus
from mythos_contracts.bus.journal_batch import BatchingJournal
from mythos_contracts.directory import DirectoryDelta, WhisperRelay
from mythos_contracts.envelope import (
    ResumeFrom,
    SessionClosed,
    SessionOpened,
)
from mythos_contracts.events import ChatMessageData
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    DIRECTORY_DELTA_KEY,
    DIRECTORY_SNAPSHOT_KEY,
    LOBBY_SHARD,
    command_key,
)
from mythos_game.service_layer.journal_records import decode
from mythos_game.settings import GameSettings
from world_span_support import span_pair, start_guarded_s1

PeerOn = Callable[[Bus], Awaitable[Any]]


__all__ = ["make_bus"]  # the fixture, used by name


async def test_who_whisper_reply_and_status_span_both_shards(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    async with span_pair(make_bus, peer_on, game_settings, joined=("alice", "bob")) as pair:
        peer, edge, s1, s2, s2_journal = pair.peer, pair.edge, pair.s1, pair.s2, pair.s2_journal
        await edge.walk("bob", "north", QUAD)
        assert edge.route("bob") == "s2" and edge.route("alice") == "s1"

        # who, on s1: Bob from the directory, in the same format and order as Alice.
        who = await edge.until_who("alice", lambda text: "Bob" in text)
        assert who.splitlines() == [
            "Players online (2):",
            "  Alice - Independence Square, Downtown Arkham",
            "  Bob - Miskatonic University Quad, Miskatonic University",
        ]
        # ... and on s2, Alice from it.
        who = await edge.until_who("bob", lambda text: "Alice" in text)
        assert who.splitlines()[0] == "Players online (2):"

        # A whisper from s1 to Bob on s2: answered by s1, stamped by s2.
        said = await edge.command("alice", "whisper", "Bob", "meet", "me", "upstairs")
        assert said == "You whisper to Bob: meet me upstairs"
        await peer.wait_until(lambda: edge.chats(history=None, pid="bob") != [])
        assert edge.chats(history=None, pid="bob") == [
            ("s2", "Alice whispers to you: meet me upstairs")
        ]

        # Bob replies from s2: Alice is his last whisperer, on s1.
        replied = await edge.command("bob", "reply", "on", "my", "way")
        assert replied == "You whisper to Alice: on my way"
        await peer.wait_until(lambda: edge.chats(history=None, pid="alice") != [])
        assert edge.chats(history=None, pid="alice") == [("s1", "Bob whispers to you: on my way")]
        # And back again: Alice's reply goes to Bob, whom s1 never held.
        assert await edge.command("alice", "reply", "good") == "You whisper to Bob: good"
        await peer.wait_until(lambda: len(edge.chats(history=None, pid="bob")) == 2)

        status = await edge.until(
            "alice", lambda text: text.count(": 1 players") == 2, "admin", "status", role="admin"
        )
        shards = [line for line in status.splitlines() if line.startswith("Shard ")]
        assert [line.split(":")[0] for line in shards] == ["Shard s1", "Shard s2"]
        for line, (shard, service) in zip(shards, (("s1", s1), ("s2", s2)), strict=True):
            expected = f"Shard {shard}: 1 players, term {service.term}, "
            assert line.startswith(expected + f"instance {service.instance_id}, up "), line

        # Bob's arrival on s2 is in the record of the unit that took him in.
        records = [decode(raw) for raw in await BatchingJournal(s2_journal).read_recent(60)]
        deltas = [
            DirectoryDelta.model_validate_json(o.body).entry
            for r in records
            for o in r.outbox
            if o.key == DIRECTORY_DELTA_KEY
        ]
        assert [(d.state, d.player_id, d.shard) for d in deltas][:1] == [("present", "bob", "s2")]
        # Snapshots are not: the next one follows within a second.
        assert not any(o.key == DIRECTORY_SNAPSHOT_KEY for r in records for o in r.outbox)

        # Bob leaves s2: s1's who drops him.
        await edge.command("bob", "quit")
        who = await edge.until_who("alice", lambda text: "Bob" not in text)
        assert who.splitlines() == [
            "Players online (1):",
            "  Alice - Independence Square, Downtown Arkham",
        ]
        assert await edge.command("alice", "whisper", "Bob", "hello?") == (
            "There is no one called 'Bob' online."
        )


async def test_a_link_dead_player_on_s2_shows_on_s1_until_the_grace_ends(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    async with span_pair(
        make_bus,
        peer_on,
        game_settings,
        s2={"linkdead_grace_seconds": 1.0},
        joined=("alice", "bob"),
    ) as pair:
        edge = pair.edge
        await edge.command("bob", "go", "north")
        await edge.until_who("alice", lambda text: "Bob -" in text)

        await edge.send("bob", SessionClosed(**ids("bob")))  # dropped, not quit
        who = await edge.until_who("alice", lambda text: "(link-dead)" in text)
        assert "  Bob (link-dead) - Miskatonic University Quad, Miskatonic University" in (
            who.splitlines()
        )
        # s2 times him out after the grace: he leaves, and s1's who drops him.
        who = await edge.until_who("alice", lambda text: "Bob" not in text)
        assert who.splitlines()[0] == "Players online (1):"


async def test_past_the_forward_window_the_lobby_sends_a_session_open_to_s2(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    async with span_pair(
        make_bus,
        peer_on,
        game_settings,
        s1={"transfer_forward_seconds": 0.2},
        joined=("alice", "bob", "carol"),
    ) as pair:
        peer, edge = pair.peer, pair.edge
        for pid in ("bob", "carol"):
            await edge.walk(pid, "north", QUAD)
        await edge.until_who("alice", lambda text: "Carol -" in text)  # s1 knows both moved
        await asyncio.sleep(0.3)  # s1's forward window is over

        # Bob drops, misses a line, and comes back on a new connection through the lobby.
        await edge.send("bob", SessionClosed(**ids("bob")))
        await edge.until_who("alice", lambda text: "Bob (link-dead)" in text)
        (state,) = edge.stamped("bob", "game_state")
        last_seen = max(e.recipients["bob"] for e in peer.events if "bob" in e.recipients)
        await edge.command("carol", "say", "you missed this")
        resume = ResumeFrom(
            session_id=state.data["session_id"], epoch=state.data["epoch"], last_seq=last_seen
        )
        lobby = command_key(LOBBY_SHARD, "bob")
        back = SessionOpened(resume=resume, **{**ids("bob"), "connection_id": "c-bob-2"})
        await peer.bus.publish(COMMANDS_EXCHANGE, lobby, back.model_dump_json().encode())
        await peer.wait_until(
            lambda: any(e.connection_id == "c-bob-2" for e in edge.stamped("bob", "chat_message"))
        )
        replayed = [e for e in edge.stamped("bob", "chat_message") if e.connection_id == "c-bob-2"]
        assert [(e.shard, e.data["message"]) for e in replayed] == [("s2", "you missed this")]
        assert replayed[0].recipients["bob"] == last_seen + 1
        assert len(edge.stamped("bob", "game_state")) == 1, "resumed, not resynced"

        # A second login, through the lobby too: s2 replaces the connection (4001).
        again = SessionOpened(**{**ids("bob"), "connection_id": "c-bob-3"})
        await peer.bus.publish(COMMANDS_EXCHANGE, lobby, again.model_dump_json().encode())
        await peer.wait_until(lambda: len(edge.stamped("bob", "game_state")) == 2)
        (closing,) = [e for e in peer.events if e.event_type == "disconnect"]
        assert (closing.connection_id, closing.data["code"]) == ("c-bob-2", 4001)
        assert [e.shard for e in edge.stamped("bob", "game_state")] == ["s1", "s2"]
        who = await edge.command("alice", "who")
        assert [line for line in who.splitlines() if "Bob" in line] == [
            "  Bob - Miskatonic University Quad, Miskatonic University"
        ]


async def test_the_last_whisperer_crosses_with_the_player(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    async with span_pair(make_bus, peer_on, game_settings, joined=("alice", "bob")) as pair:
        peer, edge = pair.peer, pair.edge
        # On s1, both of them: a whisper of one shard.
        assert await edge.command("alice", "whisper", "Bob", "go", "north") == (
            "You whisper to Bob: go north"
        )
        await edge.command("bob", "go", "north")
        assert edge.route("bob") == "s2"
        # On s2 now, Bob's reply goes to Alice, whom s2 knows only from the directory.
        replied = await edge.until(
            "bob", lambda text: text.startswith("You whisper to Alice"), "reply", "done"
        )
        assert replied == "You whisper to Alice: done"
        await peer.wait_until(
            lambda: ("s1", "Bob whispers to you: done") in edge.chats(history=None, pid="alice")
        )


async def test_a_whisper_relay_counts_only_from_the_games_broker_user(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    shard = await start_guarded_s1(peer_on, game_settings, journal=False)
    peer, edge, game_user = shard.peer, shard.edge, shard.game_user
    try:
        await edge.join("alice")
        line = ChatMessageData(
            channel="whisper",
            player_id="mallory",
            player_name="Mallory",
            message="trust me",
            text="Mallory whispers to you: trust me",
        )
        key = command_key("s1", "alice")
        for n, sender in enumerate((peer.bus, game_user)):
            relay = WhisperRelay(
                delivery_id=f"relay-{n}",
                player_id="alice",
                from_player_id="mallory",
                from_shard="s2",
                line=line,
            )
            await sender.publish(COMMANDS_EXCHANGE, key, relay.model_dump_json().encode())
        await peer.wait_until(lambda: edge.chats(history=None, pid="alice") != [])
        assert await edge.command("alice", "look")  # handled after both relays
        assert edge.chats(history=None, pid="alice") == [
            ("s1", "Mallory whispers to you: trust me")
        ]
    finally:
        await shard.close()
