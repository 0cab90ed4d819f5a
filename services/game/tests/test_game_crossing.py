"""Crossing a shard boundary (docs/design/shards.md §7) with two games on one bus
(``crossing_support``): a walk across as one stream, a login into another shard's room,
a player carried across by an admin's command, a reconnect after the forwarding window.
What a crash in the middle of a crossing leaves is ``test_game_crossing_crashes.py``'s."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from crossing_support import (
    QUAD,
    SPLIT,
    Edge,
    MakeBus,
    PeerOn,
    chats,
    delivered,
    ids,
    kinds,
    make_bus,
    presence,
    start_shard,
    stop_all,
)
from mythos_contracts.bus.journal import MemoryJournal
from mythos_contracts.bus.journal_batch import BatchingJournal
from mythos_contracts.envelope import (
    EdgeHeartbeat,
    HeldConnection,
    PlayerCommand,
    ResumeFrom,
    RoomBound,
    SessionOpened,
)
from mythos_contracts.routing import COMMANDS_EXCHANGE, LOBBY_SHARD, command_key, edge_key
from mythos_contracts.transfer import PlayerTransfer
from mythos_game.bootstrap import GameService
from mythos_game.service_layer.journal_records import decode
from mythos_game.settings import GameSettings

__all__ = ["make_bus"]  # the fixture, used by name


async def test_alice_walks_from_an_s1_room_into_an_s2_room_as_one_stream(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    peer = await peer_on(make_bus("test-peer"))
    s1, s1_bus, s1_journal = await start_shard(make_bus, game_settings, "s1")
    s2, s2_bus, s2_journal = await start_shard(make_bus, game_settings, "s2")
    edge = Edge(peer)
    for pid in ("alice", "bob", "carol"):
        await edge.join(pid)
    await edge.walk("bob", "north", QUAD, "b-go")
    assert edge.route("bob") == "s2", "Bob's newest message is s2's: he crossed first"
    said = await edge.command("alice", "say", "before", command_id="a-say")
    assert said["success"] and chats(peer, "carol") == ["before"]

    went = await edge.walk("alice", "north", QUAD, "a-go")

    assert went["success"] and went["result"].startswith("You go north.")
    assert "Bob" in went["result"], "the room as s2 sees it: Bob stands there"
    assert edge.route("alice") == "s2"
    assert ("s1", "Alice") in presence(peer, "carol", "player_left")
    assert ("s2", "Alice") in presence(peer, "bob", "player_entered")
    after = [e for _, e in delivered(peer, "alice") if e.shard == "s2"]
    assert [e.event_type for e in after[:2]] == ["room_update", "command_response"]
    assert after[0].data["room"]["id"] == QUAD

    await edge.command("alice", "say", "hello bob", command_id="a-hello")
    await peer.wait_until(lambda: "hello bob" in chats(peer, "bob"))
    assert "hello bob" not in chats(peer, "carol"), "Carol stayed on s1, in the square"

    again = await edge.command("alice", "say", "before", command_id="a-say")
    assert again == said, "a command answered before the crossing is answered as it was"
    # Forwarded: an input that still reaches s1 (the edge had not switched) is s2's.
    late = await edge.command("alice", "say", "forwarded", command_id="a-late", shard="s1")
    assert late["success"]
    await peer.wait_until(lambda: "forwarded" in chats(peer, "bob"))
    await peer.wait_until(
        lambda: any(
            e.event_type == "heartbeat" and e.shard == "s2" and "alice" in e.recipients
            for e in peer.events
        )
    )
    await asyncio.sleep(0.1)

    stream = delivered(peer, "alice")
    numbers = [seq for seq, _ in stream]
    assert numbers == list(range(1, len(numbers) + 1)), "one gapless stream across shards"
    assert kinds(peer, "alice").count("game_state") == 1, "no second game_state"
    # The go (answered by s2) and the forwarded say too: each answer names its input,
    # which the edge's route waits for before it switches to s2.
    answered = [e.answers for _, e in stream if e.event_type == "command_response"]
    assert None not in answered and len(set(answered)) == len(answered) == 5, answered
    epoch = next(e.data["epoch"] for _, e in stream if e.event_type == "game_state")
    beats = [e for e in peer.events if e.event_type == "heartbeat" and "alice" in e.recipients]
    assert {e.epochs["alice"] for e in beats if e.shard == "s2" and e.epochs}, "s2 beats"
    assert {e.epochs["alice"] for e in beats if e.epochs} == {epoch}, "one epoch"
    assert chats(peer, "carol") == ["before"], "the re-sent say did not run again"
    assert chats(peer, "bob").count("before") == 0 and chats(peer, "bob").count("hello bob") == 1

    # Journaled like any unit: s1's record of the go closes Alice's stream and holds the
    # transfer; s2's record of it restores her stream under the transfer's delivery id.
    left = [
        r
        for r in map(decode, await BatchingJournal(s1_journal).read_recent(60))
        if "alice" in r.closed
    ]
    sent = [o for r in left for o in r.outbox if b'"player_transfer"' in o.body]
    assert len(sent) == 1
    transfer = PlayerTransfer.model_validate_json(sent[0].body)
    assert sent[0].key == command_key("s2", "alice") and transfer.from_shard == "s1"
    assert transfer.pending is not None and transfer.pending.command_id == "a-go"
    taken = [
        r
        for r in map(decode, await BatchingJournal(s2_journal).read_recent(60))
        if r.delivery_id == transfer.delivery_id
    ]
    assert len(taken) == 1 and "alice" in taken[0].heads

    # Published again (as s1 does after a crash past its record): s2 ignores a hop it took.
    before = (len(delivered(peer, "alice")), presence(peer, "bob", "player_entered"))
    await peer.bus.publish(COMMANDS_EXCHANGE, sent[0].key, sent[0].body)
    renamed = transfer.model_copy(update={"delivery_id": "xfer:alice:1", "hop": 1})
    await peer.bus.publish(COMMANDS_EXCHANGE, sent[0].key, renamed.model_dump_json().encode())
    await edge.command("alice", "say", "still here", command_id="a-still")
    after_again = (len(delivered(peer, "alice")), presence(peer, "bob", "player_entered"))
    assert after_again[1] == before[1], "Bob saw Alice enter once"
    assert after_again[0] == before[0] + 1, "only the answer to the say"
    await stop_all(peer, (s1, s1_bus), (s2, s2_bus))


async def test_a_login_into_another_shards_room_is_sent_there_and_heartbeats_stay_home(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """Dora's stored room is the quad (s2's); logins reach s1, which loads her and sends
    her on before anything is numbered: s2 opens her stream (its game_state shows Bob
    in the room) and holds her, and Bob there sees her come in. Edges' heartbeats reach every
    shard; neither adopts a player the other holds from one."""
    peer = await peer_on(make_bus("test-peer"))
    s1, s1_bus, _ = await start_shard(make_bus, game_settings, "s1")
    s2, s2_bus, _ = await start_shard(make_bus, game_settings, "s2")
    edge = Edge(peer)
    await edge.join("bob")
    await edge.walk("bob", "north", QUAD, "b-go")
    await edge.join("carol")
    peer.rooms["dora"] = QUAD
    await edge.send("dora", SessionOpened(**ids("dora")))
    await peer.wait_until(lambda: ("s2", "Dora") in presence(peer, "bob", "player_entered"))
    assert edge.route("dora") == "s2"
    dora = [(e.shard, e.event_type) for _, e in delivered(peer, "dora")]
    # s1 sent her on before numbering anything: s2 opens her stream, showing Bob there.
    assert dora[0] == ("s2", "game_state") and ("s2", "room_update") not in dora, dora
    state = delivered(peer, "dora")[0][1].data
    assert state["room"]["id"] == QUAD and "Bob" in str(state["room"]["occupants"]), state
    await edge.send("dora", RoomBound(room_id=QUAD, **ids("dora")))
    await edge.command("dora", "say", "hello bob", command_id="d-hello")
    await peer.wait_until(lambda: "hello bob" in chats(peer, "bob"))
    assert presence(peer, "carol", "player_entered") == [], "Dora never stood in the square"

    held = [
        HeldConnection(**{k: v for k, v in ids(p).items() if k != "edge_id"})
        for p in ("bob", "carol", "dora")
    ]
    beat = EdgeHeartbeat(edge_id="edge-1", connections=held)
    await peer.bus.publish(COMMANDS_EXCHANGE, edge_key("edge-1"), beat.model_dump_json().encode())
    await edge.command("carol", "say", "anyone?", command_id="c-any")
    await edge.command("bob", "say", "here", command_id="b-here")
    await asyncio.sleep(0.2)
    for pid, home in (("bob", "s2"), ("carol", "s1"), ("dora", "s2")):
        assert kinds(peer, pid).count("game_state") == 1, f"{pid} adopted again"
        assert edge.route(pid) == home
    await stop_all(peer, (s1, s1_bus), (s2, s2_bus))


async def test_a_player_carried_into_another_shards_room_crosses_without_a_command(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """An admin on s1 drives Alice's lucidity to its floor: orderlies carry her to the
    sanitarium (uptown, s2's). She crosses though her own command moved nothing; the
    admin's command is answered by s1, and Alice's stream goes on from s2."""
    peer = await peer_on(make_bus("test-peer"))
    s1, s1_bus, _ = await start_shard(make_bus, game_settings, "s1")
    s2, s2_bus, _ = await start_shard(make_bus, game_settings, "s2")
    edge = Edge(peer)
    for pid in ("alice", "carol"):
        await edge.join(pid)
    setstat = PlayerCommand(
        **{**ids("carol"), "player_role": "admin"},
        command="setstat",
        args=["Alice", "lcd", "-100"],
        command_id="c-set",
    )
    await edge.send("carol", setstat)
    await peer.wait_until(lambda: len(edge.answers("carol", "c-set")) == 1)
    assert edge.answers("carol", "c-set")[0]["success"]
    await peer.wait_until(lambda: edge.route("alice") == "s2")
    arrived = [e for _, e in delivered(peer, "alice") if e.shard == "s2"]
    assert arrived[0].event_type == "room_update"
    assert arrived[0].data["room"]["id"] == "sanitarium-ward"
    said = await edge.command("alice", "say", "where am I", command_id="a-where")
    assert said["success"]
    numbers = [seq for seq, _ in delivered(peer, "alice")]
    assert numbers == list(range(1, len(numbers) + 1))
    assert kinds(peer, "alice").count("game_state") == 1
    assert ("s1", "Alice") in presence(peer, "carol", "player_left")
    await stop_all(peer, (s1, s1_bus), (s2, s2_bus))


async def test_a_reconnect_after_the_forwarding_window_reaches_the_players_shard(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """Long after Alice crossed, her connection drops and a new one opens: a new
    connection's inputs go to the lobby (s1 hosts it), and s1, which no longer forwards
    her, sends them on to the shard the world directory says holds her. She resumes her
    stream there: no second game_state, nothing missed."""
    peer = await peer_on(make_bus("test-peer"))
    s1_bus, s1_journal = make_bus("game-s1"), MemoryJournal()
    await s1_bus.connect()
    s1 = GameService(
        game_settings(shard="s1", shard_map=SPLIT, transfer_forward_seconds=0.2),
        s1_bus,
        s1_journal,
    )
    await s1.start()
    s2, s2_bus, _ = await start_shard(make_bus, game_settings, "s2")
    edge = Edge(peer)
    await edge.join("alice")
    await edge.walk("alice", "north", QUAD, "a-go")
    directory = s1.directory
    assert directory is not None
    await peer.wait_until(
        lambda: (seen := directory.get_elsewhere("alice")) is not None and seen.shard == "s2"
    )
    await asyncio.sleep(0.3)  # past s1's forwarding window
    stream = delivered(peer, "alice")
    epoch = next(e.data for _, e in stream if e.event_type == "game_state")
    resume = ResumeFrom(
        session_id=epoch["session_id"], epoch=epoch["epoch"], last_seq=stream[-1][0]
    )
    again = {**ids("alice"), "connection_id": "c-alice-2"}
    await edge.send("alice", SessionOpened(**again, resume=resume), shard=LOBBY_SHARD)
    await peer.wait_until(lambda: len(delivered(peer, "alice")) > len(stream))
    said = PlayerCommand(**again, command="say", args=["back"], command_id="a-back")
    await edge.send("alice", said)
    await peer.wait_until(lambda: len(edge.answers("alice", "a-back")) == 1)
    assert kinds(peer, "alice").count("game_state") == 1, "resumed, not adopted by s1"
    assert edge.route("alice") == "s2"
    numbers = [seq for seq, _ in delivered(peer, "alice")]
    assert numbers == list(range(1, len(numbers) + 1))
    await stop_all(peer, (s1, s1_bus), (s2, s2_bus))
