"""Sequenced delivery that loses nothing, proven black-box on the distributed stack:
resume, resync, idempotent commands, one session per player, link-dead grace,
heartbeats, idle close, and the outages (edge kill -9, game restart, persistence
stop, broker connections dropped). Every client counts gaps and duplicates per
stream and prints them; each must be zero."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import uuid
from typing import Any

import pytest
from mythos_contracts.routing import DEFAULT_SHARD_INBOX
from stream_client import StreamClient

FAST = {
    "GAME_HEARTBEAT_INTERVAL_SECONDS": "1",
    "GAME_LINKDEAD_GRACE_SECONDS": "4",
    "EDGE_EDGE_HEARTBEAT_SECONDS": "1",
    "GAME_EDGE_TIMEOUT_SECONDS": "10",
}


async def _client(system: Any, players: Any, prefix: str) -> StreamClient:
    name = f"{prefix}{uuid.uuid4().hex[:6]}"
    player = await players.register_and_login(system.url, name)
    client = StreamClient(name, player.token, system.url)
    await client.start()
    await client.wait_for(lambda m: m["event_type"] == "game_state", what="game_state")
    return client


def _assert_clean(*clients: StreamClient) -> None:
    for client in clients:
        print(client.report())
    for client in clients:
        assert client.gaps == 0, client.report()
        assert client.duplicates == 0, client.report()


async def test_resume_replays_exactly_the_missed_lines_then_goes_live(
    start_system: Any, players: Any
) -> None:
    system = start_system("distributed", **FAST)
    alice = await _client(system, players, "Alice")
    bob = await _client(system, players, "Bob")

    alice.auto_resume = False
    alice.drop()
    await alice.disconnected()
    async with asyncio.timeout(15):  # the edge notices the drop, then the game
        while f"{alice.name} (link-dead)" not in (await bob.run("who"))["result"]:
            await asyncio.sleep(0.2)
    for i in range(5):
        await bob.run("say", f"missed-{i}")

    alice.auto_resume = True
    await alice.start()
    await alice.wait_for(lambda m: m["data"].get("message") == "missed-4", what="the replay")
    await bob.run("say", "live again")
    await alice.wait_for(lambda m: m["data"].get("message") == "live again", what="live line")
    assert alice.chat_lines() == [f"missed-{i}" for i in range(5)] + ["live again"]
    assert [m["event_type"] for m in alice.stream].count("game_state") == 1, "no resync"
    assert alice.resyncs == 0
    _assert_clean(alice, bob)
    await alice.stop()
    await bob.stop()


# This test and the next share one system: neither says a line, so neither sees or leaves
# chat history, and each has its own player.
async def test_a_resume_that_cannot_be_served_is_a_resync_never_a_partial_replay(
    shared_system: Any, players: Any
) -> None:
    system = shared_system("distributed", **FAST)
    alice = await _client(system, players, "Alice")
    alice.auto_resume = False
    alice.drop()
    await alice.disconnected()
    alice.epoch = "an-epoch-the-server-never-issued"
    alice.auto_resume = True
    await alice.start()
    state = await alice.wait_for(
        lambda m: m["event_type"] == "game_state" and m["data"]["resync"], what="resync"
    )
    assert state["sequence_number"] == 1 and alice.resyncs == 1
    print(alice.report())
    await alice.stop()


async def test_a_second_connection_replaces_the_first(shared_system: Any, players: Any) -> None:
    system = shared_system("distributed", **FAST)
    first = await _client(system, players, "Alice")
    second = StreamClient(first.name, first.token, system.url)
    await second.start()
    await second.wait_for(lambda m: m["event_type"] == "game_state", what="game_state")
    await first.disconnected()
    assert first.close_codes[-1] == 4001
    assert first.control[-1]["data"]["reason"] == "session replaced"
    assert (await second.run("look"))["success"]
    await second.stop()


async def test_a_resent_command_id_is_executed_once(start_system: Any, players: Any) -> None:
    system = start_system("distributed", **FAST)
    alice = await _client(system, players, "Alice")
    bob = await _client(system, players, "Bob")
    frame = json.dumps({"command": "say", "args": ["only once"], "command_id": "fixed-id-1"})
    await alice._ws.send(frame)
    await alice._ws.send(frame)
    answers = []
    for _ in range(2):
        answer = await alice.wait_for(
            lambda m: (
                m["event_type"] == "command_response"
                and m["data"]["command_id"] == "fixed-id-1"
                and m not in answers
            ),
            what="both answers",
        )
        answers.append(answer)
    assert answers[0]["data"] == answers[1]["data"]
    await bob.run("look")  # anything Bob would get from Alice's say arrives before this
    assert bob.chat_lines() == ["only once"]
    _assert_clean(alice, bob)
    await alice.stop()
    await bob.stop()


async def test_a_says_answer_is_its_own_message_and_a_resume_gives_it_back_unchanged(
    start_system: Any, players: Any
) -> None:
    # Between the game and the edges the speaker's answer rides on the room event; the
    # client must not see a difference, before or after a resume.
    system = start_system("distributed", **FAST)
    alice = await _client(system, players, "Alice")
    bob = await _client(system, players, "Bob")
    for client in (alice, bob):
        await client.run("look")  # by now each edge has bound the room for its player
    said = [f"folded-{i}" for i in range(3)]
    for text in said:
        assert (await alice.run("say", text))["result"] == f"You say: {text}"
    await bob.wait_for(lambda m: m["data"].get("message") == said[-1], what="the last line")
    assert bob.chat_lines() == said
    answers = [m for m in alice.stream if m["event_type"] == "command_response"]
    assert [m["data"]["result"] for m in answers[-3:]] == [f"You say: {t}" for t in said]
    # Each answer comes once, right after what came before it in Alice's stream.
    assert len({m["data"]["command_id"] for m in answers}) == len(answers)
    answer = answers[-1]
    assert answer is alice.stream[-1]

    # Drop, and resume from just before the last answer, as if it had been lost.
    alice.auto_resume = False
    alice.drop()
    await alice.disconnected()
    alice.last_seq = answer["sequence_number"] - 1
    alice.auto_resume = True
    await alice.start()
    again = await alice.wait_for(
        lambda m: m is not answer and m["sequence_number"] == answer["sequence_number"],
        what="the answer again",
    )
    assert again == answer, "the replayed answer differs from the one first sent"
    await alice.wait_for(
        lambda m: (
            m["event_type"] == "room_update" and m["sequence_number"] > answer["sequence_number"]
        ),
        what="room_update after the replay",
    )
    assert alice.resyncs == 0
    await alice.run("say", "after")
    await bob.wait_for(lambda m: m["data"].get("message") == "after", what="the live line")
    assert bob.chat_lines() == [*said, "after"]
    _assert_clean(alice, bob)
    await alice.stop()
    await bob.stop()


async def test_heartbeats_carry_the_last_number_and_silent_clients_are_closed(
    start_system: Any, players: Any
) -> None:
    system = start_system("distributed", EDGE_IDLE_TIMEOUT_SECONDS="3", **FAST)
    alice = await _client(system, players, "Alice")
    alice.ping_seconds = 1
    await alice.run("look")
    async with asyncio.timeout(15):
        while not any(m["event_type"] == "heartbeat" for m in alice.control):
            await asyncio.sleep(0.2)
    beat = next(m for m in alice.control if m["event_type"] == "heartbeat")
    assert beat["sequence_number"] <= alice.last_seq
    assert beat["data"]["interval_seconds"] == 1
    await alice._ws.send(json.dumps({"command": "ping"}))
    async with asyncio.timeout(10):
        while not any(m["event_type"] == "pong" for m in alice.control):
            await asyncio.sleep(0.1)

    quiet = await _client(system, players, "Quiet")
    quiet.ping_seconds = 3600
    quiet.auto_resume = False
    await quiet.disconnected(timeout=20)
    assert quiet.close_codes[-1] == 4002
    _assert_clean(alice)
    await alice.stop()


async def _chatter(clients: list[StreamClient], lines: int, tag: str) -> list[str]:
    """Each client says ``lines`` lines, round-robin, waiting for each answer."""
    said = []
    for i in range(lines):
        for client in clients:
            text = f"{tag}-{client.name}-{i}"
            await client.run("say", text)
            said.append(text)
    return said


async def _everyone_heard_everything(clients: list[StreamClient], said: list[str]) -> None:
    for client in clients:
        expected = sorted(t for t in said if f"-{client.name}-" not in t)
        async with asyncio.timeout(60):
            while sorted(set(client.chat_lines()) & set(expected)) != expected:
                await asyncio.sleep(0.2)
        heard = [line for line in client.chat_lines() if line in set(expected)]
        assert sorted(heard) == expected, f"{client.name} heard a line twice or missed one"


# Through either front door: the proxy must send the players of a dead edge to the other.
@pytest.mark.parametrize("front_door", ["caddy", "nginx"])
async def test_kill_9_an_edge_and_its_players_resume_elsewhere(
    front_door: str, start_system: Any, players: Any
) -> None:
    system = start_system("distributed", edges=2, MYTHOS_FRONT_DOOR=front_door, **FAST)
    clients = [await _client(system, players, f"P{i}") for i in range(4)]
    said = await _chatter(clients, 2, "before")
    victim = system.signal("edge-1", signal.SIGKILL)
    print(f"killed edge-1 (pid {victim})")
    said += await _chatter(clients, 3, "after")
    await _everyone_heard_everything(clients, said)
    assert sum(c.reconnects for c in clients) >= 1, "someone was on the killed edge"
    _assert_clean(*clients)
    for client in clients:
        await client.stop()


@pytest.mark.parametrize("queue_type", ["classic", "quorum"])
async def test_restart_the_game_and_queued_commands_run_in_order(
    start_system: Any, players: Any, queue_type: str
) -> None:
    # Quorum: the queues a RabbitMQ cluster replicates (what the Kubernetes manifests use).
    system = start_system("distributed", MYTHOS_AMQP_QUEUE_TYPE=queue_type, **FAST)
    listed = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", system.env["MYTHOS_VHOST"], "name", "type"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    types = dict(line.split("\t") for line in listed.stdout.splitlines() if "\t" in line)
    assert types["mythos.persistence.saves"] == queue_type, types
    # The game's inbox has a single active consumer: a quorum queue whatever the type.
    assert types[DEFAULT_SHARD_INBOX] == "quorum", types
    alice = await _client(system, players, "Alice")
    bob = await _client(system, players, "Bob")
    old = system.signal("game", signal.SIGKILL)
    ids = [await alice.send("say", f"queued-{i}") for i in range(5)]
    await system.wait_restarted("game", old)
    for command_id in ids:
        assert (await alice.response(command_id, timeout=60))["success"]
    await bob.wait_for(lambda m: m["data"].get("message") == "queued-4", timeout=60, what="q-4")
    assert [line for line in bob.chat_lines() if line.startswith("queued-")] == [
        f"queued-{i}" for i in range(5)
    ]
    for client in (alice, bob):
        trail = [(m["event_type"], m["sequence_number"], m["epoch"][:6]) for m in client.stream]
        # The game's journal outlives it: the next one continues every stream.
        assert client.resyncs == 0, f"continued from the journal, no resync; {trail}"
        assert len({m["epoch"] for m in client.stream}) == 1, trail
    _assert_clean(alice, bob)
    await alice.stop()
    await bob.stop()


async def test_a_graceful_game_restart_shows_nothing(start_system: Any, players: Any) -> None:
    """A rollout of the game (SIGTERM, then a new process): the streams are handed over,
    so nobody is resynced, reconnected or shown a gap, and what was said meanwhile lands."""
    system = start_system("distributed", **FAST)
    alice = await _client(system, players, "Alice")
    bob = await _client(system, players, "Bob")
    assert (await alice.run("say", "before"))["success"]
    await bob.wait_for(lambda m: m["data"].get("message") == "before", what="before")
    old = system.signal("game", signal.SIGTERM)
    ids = [await alice.send("say", f"meanwhile-{i}") for i in range(3)]
    await system.wait_restarted("game", old)
    for command_id in ids:
        assert (await alice.response(command_id, timeout=60))["success"]
    assert (await bob.run("say", "after"))["success"]
    await alice.wait_for(lambda m: m["data"].get("message") == "after", timeout=30, what="after")
    assert [line for line in bob.chat_lines() if not line.startswith("after")] == [
        "before",
        *(f"meanwhile-{i}" for i in range(3)),
    ]
    for client in (alice, bob):
        epochs = {m["epoch"] for m in client.stream}
        assert len(epochs) == 1, f"{client.name}: one epoch across the restart"
        assert client.resyncs == 0 and client.reconnects == 0, client.report()
        kinds = [m["event_type"] for m in client.stream]
        assert kinds.count("game_state") == 1, kinds
        assert "player_left" not in kinds, "nobody was seen leaving"
    # Alice saw Bob arrive once, before the restart; nobody was seen arriving again.
    assert [m["event_type"] for m in alice.stream].count("player_entered") == 1
    assert [m["event_type"] for m in bob.stream].count("player_entered") == 0
    _assert_clean(alice, bob)
    await alice.stop()
    await bob.stop()


async def test_persistence_down_for_a_while_loses_and_duplicates_nothing(
    start_system: Any, players: Any
) -> None:
    system = start_system("distributed", **FAST)
    alice = await _client(system, players, "Alice")
    bob = await _client(system, players, "Bob")
    system.signal("persistence", signal.SIGSTOP)
    try:
        for direction in ("north", "south", "north"):
            assert (await alice.run(direction))["success"], "play continues"
        await bob.run("say", "still here")
    finally:
        system.signal("persistence", signal.SIGCONT)
    # The saves waited in their queue; prove they were written: a restarted game has
    # only the database to learn Alice's room from (its journal holds streams, not
    # characters), and tells her the room it placed her in as it continues her stream.
    await asyncio.sleep(2)
    seen = len(alice.stream)
    old = system.signal("game", signal.SIGKILL)
    await system.wait_restarted("game", old)
    await alice.wait_for(
        lambda m: m["event_type"] == "status_update" and m["data"].get("reason") == "restart",
        timeout=60,
        what="the restart's status_update",
    )
    told = [m for m in alice.stream[seen:] if m["event_type"] == "room_update"]
    assert told and told[-1]["data"]["room"]["id"] == "miskatonic-quad", told
    assert alice.resyncs == 0, alice.report()
    _assert_clean(alice, bob)
    await alice.stop()
    await bob.stop()


async def test_broker_connections_dropped_every_service_heals(
    start_system: Any, players: Any
) -> None:
    system = start_system("distributed", **FAST)
    clients = [await _client(system, players, f"P{i}") for i in range(3)]
    said = await _chatter(clients, 1, "before")
    vhost = system.env["MYTHOS_VHOST"]
    subprocess.run(
        ["rabbitmqctl", "-q", "close_all_connections", "--vhost", vhost, "test: drop"],
        check=True,
        timeout=60,
    )
    print("closed every broker connection of", vhost)
    await asyncio.sleep(1)
    said += await _chatter(clients, 3, "after")
    await _everyone_heard_everything(clients, said)
    _assert_clean(*clients)
    for client in clients:
        await client.stop()
