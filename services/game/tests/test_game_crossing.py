"""Crossing a shard boundary (docs/design/shards.md §7) with two games on one bus, whose
maps split the shipped world (``world/shards.2.json``): Independence Square is s1's,
the Miskatonic quad north of it s2's. Here the test is the edge: it sends each player's
inputs to the shard that stamped their newest message (the lobby, hosted by s1, until
one did), as edges route. On the in-process bus, and on RabbitMQ (a vhost of its own)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from mythos_contracts.bus import Bus
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.bus.journal import MemoryJournal
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import (
    EdgeHeartbeat,
    EventEnvelope,
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

Peer = Any  # conftest.py's; not importable by name under --import-mode=importlib
PeerOn = Callable[[Bus], Awaitable[Any]]
MakeBus = Callable[[str], Bus]
SPLIT = Path(__file__).parents[1] / "world" / "shards.2.json"
SQUARE, QUAD = "independence-square", "miskatonic-quad"


class Edge:
    """Sends as an edge does: each player's inputs to the shard of their newest message."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer

    def route(self, pid: str) -> str:
        stamped = [e for e in self.peer.events if pid in e.recipients and e.shard is not None]
        return max(stamped, key=lambda e: e.recipients[pid]).shard if stamped else LOBBY_SHARD

    async def send(self, pid: str, message: Any, shard: str | None = None) -> None:
        key = command_key(shard or self.route(pid), pid)
        await self.peer.bus.publish(COMMANDS_EXCHANGE, key, message.model_dump_json().encode())

    async def command(
        self, pid: str, command: str, *args: str, command_id: str, shard: str | None = None
    ) -> dict[str, Any]:
        """Send a command and wait for its answer (the newest for ``command_id``)."""
        before = len(self.answers(pid, command_id))
        message = PlayerCommand(
            **_ids(pid), command=command, args=list(args), command_id=command_id
        )
        await self.send(pid, message, shard)
        await self.peer.wait_until(lambda: len(self.answers(pid, command_id)) > before)
        return self.answers(pid, command_id)[-1]

    def answers(self, pid: str, command_id: str) -> list[dict[str, Any]]:
        return [r for r in self.peer.responses(pid) if r["command_id"] == command_id]

    async def join(self, pid: str) -> None:
        await self.send(pid, SessionOpened(**_ids(pid)))
        await self.peer.wait_until(lambda: _kinds(self.peer, pid).count("game_state") == 1)
        await self.send(pid, RoomBound(room_id=SQUARE, **_ids(pid)))

    async def walk(self, pid: str, direction: str, room: str, command_id: str) -> dict[str, Any]:
        answer = await self.command(pid, "go", direction, command_id=command_id)
        await self.send(pid, RoomBound(room_id=room, **_ids(pid)))
        return answer


def _ids(pid: str) -> dict[str, str]:
    return {
        "player_id": pid,
        "player_name": pid.title(),
        "connection_id": f"c-{pid}",
        "edge_id": "edge-1",
    }


def _delivered(peer: Peer, pid: str) -> list[tuple[int, EventEnvelope]]:
    """What ``pid``'s edge delivers, heartbeats aside: each number once, in order."""
    seen: dict[int, EventEnvelope] = {}
    for e in peer.events:
        if pid not in e.recipients or e.event_type in ("heartbeat", "disconnect"):
            continue
        seq = e.recipients[pid]
        if seq in seen:
            assert seen[seq].data == e.data, f"{pid}: two different messages numbered {seq}"
            continue
        seen[seq] = e
    return sorted(seen.items(), key=lambda item: item[0])


def _kinds(peer: Peer, pid: str) -> list[str]:
    return [e.event_type for _, e in _delivered(peer, pid)]


def _chats(peer: Peer, pid: str) -> list[str]:
    return [e.data["message"] for _, e in _delivered(peer, pid) if e.event_type == "chat_message"]


def _presence(peer: Peer, pid: str, kind: str) -> list[tuple[str | None, str]]:
    """``(shard, name)`` of each ``player_entered``/``player_left`` ``pid`` got."""
    return [
        (e.shard, e.data["player_name"]) for _, e in _delivered(peer, pid) if e.event_type == kind
    ]


@pytest.fixture(params=["memory", pytest.param("rabbitmq", marks=pytest.mark.services)])
def make_bus(request: pytest.FixtureRequest) -> MakeBus:
    """Connections to one broker: the in-process one, or a RabbitMQ vhost of the test's."""
    if request.param == "memory":
        broker = InMemoryBroker()
        return lambda name: InMemoryBus(broker)
    url = request.getfixturevalue("amqp_url")
    return lambda name: AmqpBus(url, connection_name=name)


async def _shard(
    make_bus: MakeBus, settings: Callable[..., GameSettings], shard: str
) -> tuple[GameService, Bus, MemoryJournal]:
    bus, journal = make_bus(f"game-{shard}"), MemoryJournal()
    await bus.connect()
    service = GameService(
        settings(shard=shard, shard_map=SPLIT, heartbeat_interval_seconds=0.2), bus, journal
    )
    await service.start()
    return service, bus, journal


async def test_alice_walks_from_an_s1_room_into_an_s2_room_as_one_stream(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    peer = await peer_on(make_bus("test-peer"))
    s1, s1_bus, s1_journal = await _shard(make_bus, game_settings, "s1")
    s2, s2_bus, s2_journal = await _shard(make_bus, game_settings, "s2")
    edge = Edge(peer)
    for pid in ("alice", "bob", "carol"):
        await edge.join(pid)
    await edge.walk("bob", "north", QUAD, "b-go")
    assert edge.route("bob") == "s2", "Bob's newest message is s2's: he crossed first"
    said = await edge.command("alice", "say", "before", command_id="a-say")
    assert said["success"] and _chats(peer, "carol") == ["before"]

    went = await edge.walk("alice", "north", QUAD, "a-go")

    assert went["success"] and went["result"].startswith("You go north.")
    assert "Bob" in went["result"], "the room as s2 sees it: Bob stands there"
    assert edge.route("alice") == "s2"
    assert ("s1", "Alice") in _presence(peer, "carol", "player_left")
    assert ("s2", "Alice") in _presence(peer, "bob", "player_entered")
    after = [e for _, e in _delivered(peer, "alice") if e.shard == "s2"]
    assert [e.event_type for e in after[:2]] == ["room_update", "command_response"]
    assert after[0].data["room"]["id"] == QUAD

    await edge.command("alice", "say", "hello bob", command_id="a-hello")
    await peer.wait_until(lambda: "hello bob" in _chats(peer, "bob"))
    assert "hello bob" not in _chats(peer, "carol"), "Carol stayed on s1, in the square"

    again = await edge.command("alice", "say", "before", command_id="a-say")
    assert again == said, "a command answered before the crossing is answered as it was"
    # Forwarded: an input that still reaches s1 (the edge had not switched) is s2's.
    late = await edge.command("alice", "say", "forwarded", command_id="a-late", shard="s1")
    assert late["success"]
    await peer.wait_until(lambda: "forwarded" in _chats(peer, "bob"))
    await peer.wait_until(
        lambda: any(
            e.event_type == "heartbeat" and e.shard == "s2" and "alice" in e.recipients
            for e in peer.events
        )
    )
    await asyncio.sleep(0.1)

    stream = _delivered(peer, "alice")
    numbers = [seq for seq, _ in stream]
    assert numbers == list(range(1, len(numbers) + 1)), "one gapless stream across shards"
    assert _kinds(peer, "alice").count("game_state") == 1, "no second game_state"
    # The go (answered by s2) and the forwarded say too: each answer names its input,
    # which the edge's route waits for before it switches to s2.
    answered = [e.answers for _, e in stream if e.event_type == "command_response"]
    assert None not in answered and len(set(answered)) == len(answered) == 5, answered
    epoch = next(e.data["epoch"] for _, e in stream if e.event_type == "game_state")
    beats = [e for e in peer.events if e.event_type == "heartbeat" and "alice" in e.recipients]
    assert {e.epochs["alice"] for e in beats if e.shard == "s2" and e.epochs}, "s2 beats"
    assert {e.epochs["alice"] for e in beats if e.epochs} == {epoch}, "one epoch"
    assert _chats(peer, "carol") == ["before"], "the re-sent say did not run again"
    assert _chats(peer, "bob").count("before") == 0 and _chats(peer, "bob").count("hello bob") == 1

    # Journaled like any unit: s1's record of the go closes Alice's stream and holds the
    # transfer; s2's record of it restores her stream under the transfer's delivery id.
    left = [r for r in map(decode, await s1_journal.read_recent(60)) if "alice" in r.closed]
    sent = [o for r in left for o in r.outbox if b'"player_transfer"' in o.body]
    assert len(sent) == 1
    transfer = PlayerTransfer.model_validate_json(sent[0].body)
    assert sent[0].key == command_key("s2", "alice") and transfer.from_shard == "s1"
    assert transfer.pending is not None and transfer.pending.command_id == "a-go"
    taken = [
        r
        for r in map(decode, await s2_journal.read_recent(60))
        if r.delivery_id == transfer.delivery_id
    ]
    assert len(taken) == 1 and "alice" in taken[0].heads

    # Published again (as s1 does after a crash past its record): s2 ignores a hop it took.
    before = (len(_delivered(peer, "alice")), _presence(peer, "bob", "player_entered"))
    await peer.bus.publish(COMMANDS_EXCHANGE, sent[0].key, sent[0].body)
    renamed = transfer.model_copy(update={"delivery_id": "xfer:alice:1", "hop": 1})
    await peer.bus.publish(COMMANDS_EXCHANGE, sent[0].key, renamed.model_dump_json().encode())
    await edge.command("alice", "say", "still here", command_id="a-still")
    after_again = (len(_delivered(peer, "alice")), _presence(peer, "bob", "player_entered"))
    assert after_again[1] == before[1], "Bob saw Alice enter once"
    assert after_again[0] == before[0] + 1, "only the answer to the say"
    for service, bus in ((s1, s1_bus), (s2, s2_bus)):
        await service.stop()
        await bus.close()
    await peer.bus.close()


class _DiesAfterRecording:
    """A journal whose game dies right after a record holding ``word`` is confirmed:
    its messages never go out, and its input is never acked."""

    def __init__(self, inner: MemoryJournal, word: bytes) -> None:
        self._inner = inner
        self._word = word
        self.died = asyncio.Event()

    async def open(self) -> None:
        await self._inner.open()

    async def append(self, record: bytes) -> None:
        await self._inner.append(record)
        if self._word in record and not self.died.is_set():
            self.died.set()
            await asyncio.Event().wait()  # the process is gone: nothing after this

    async def read_recent(self, seconds: float) -> list[bytes]:
        return await self._inner.read_recent(seconds)

    async def close(self) -> None:
        await self._inner.close()


async def test_a_sender_dead_after_recording_the_departure_is_continued_by_the_next(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """s1 records Alice's departure (her stream closed, the transfer in its outbox) and
    dies before publishing any of it: the next s1 publishes the record's messages again
    from the journal, s2 takes Alice, and the go redelivered to the new s1 is skipped
    (its delivery id was handled): one answer, from s2, in the same stream."""
    peer = await peer_on(make_bus("test-peer"))
    journal = MemoryJournal()
    dying = _DiesAfterRecording(journal, b'"player_transfer"')
    # Confirm first: the messages wait for the record, so the game can die in between.
    settings = game_settings(
        shard="s1",
        shard_map=SPLIT,
        handoff=False,
        shutdown_grace_seconds=0.2,
        journal_confirm_first=True,
    )
    s2, s2_bus, _ = await _shard(make_bus, game_settings, "s2")
    s1_bus = make_bus("game-s1")
    await s1_bus.connect()
    s1 = GameService(settings, s1_bus, dying)
    await s1.start()
    edge = Edge(peer)
    for pid in ("alice", "carol"):
        await edge.join(pid)
    go = PlayerCommand(**_ids("alice"), command="go", args=["north"], command_id="a-go")
    await edge.send("alice", go)
    await asyncio.wait_for(dying.died.wait(), 10)
    assert edge.answers("alice", "a-go") == [], "recorded, not published"
    await s1_bus.close()
    await s1.stop()

    s1_bus = make_bus("game-s1-next")
    await s1_bus.connect()
    s1 = GameService(settings, s1_bus, journal)
    await s1.start()
    # A restart on a loaded machine: the answer comes once the next game took over.
    await peer.wait_until(lambda: len(edge.answers("alice", "a-go")) == 1, timeout=30)
    assert edge.route("alice") == "s2"
    await edge.send("alice", RoomBound(room_id=QUAD, **_ids("alice")))
    said = await edge.command("alice", "say", "made it", command_id="a-said")
    assert said["success"]
    await asyncio.sleep(0.3)  # the redelivered go would have been answered by now

    assert len(edge.answers("alice", "a-go")) == 1, "the go ran once"
    assert edge.answers("alice", "a-go")[0]["result"].startswith("You go north.")
    assert _presence(peer, "carol", "player_left") == [("s1", "Alice")]
    numbers = [seq for seq, _ in _delivered(peer, "alice")]
    assert numbers == list(range(1, len(numbers) + 1)), "gapless across the crash"
    assert _kinds(peer, "alice").count("game_state") == 1
    for service, bus in ((s1, s1_bus), (s2, s2_bus)):
        await service.stop()
        await bus.close()
    await peer.bus.close()


async def test_a_receiver_dead_after_recording_the_arrival_is_continued_by_the_next(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """s2 records Alice's arrival (her stream restored, the answer to her go in its
    outbox) and dies before publishing any of it: the next s2 publishes it from the
    journal, skips the transfer redelivered to it, and continues her stream."""
    peer = await peer_on(make_bus("test-peer"))
    journal = MemoryJournal()
    dying = _DiesAfterRecording(journal, b'"xfer:alice:')
    settings = game_settings(
        shard="s2",
        shard_map=SPLIT,
        handoff=False,
        shutdown_grace_seconds=0.2,
        journal_confirm_first=True,
    )
    s1, s1_bus, _ = await _shard(make_bus, game_settings, "s1")
    s2_bus = make_bus("game-s2")
    await s2_bus.connect()
    s2 = GameService(settings, s2_bus, dying)
    await s2.start()
    edge = Edge(peer)
    await edge.join("alice")
    go = PlayerCommand(**_ids("alice"), command="go", args=["north"], command_id="a-go")
    await edge.send("alice", go)
    await asyncio.wait_for(dying.died.wait(), 10)
    assert edge.answers("alice", "a-go") == [], "recorded, not published"
    await s2_bus.close()
    await s2.stop()

    s2_bus = make_bus("game-s2-next")
    await s2_bus.connect()
    s2 = GameService(settings, s2_bus, journal)
    await s2.start()
    # A restart on a loaded machine: the answer comes once the next game took over.
    await peer.wait_until(lambda: len(edge.answers("alice", "a-go")) == 1, timeout=30)
    assert edge.route("alice") == "s2"
    said = await edge.command("alice", "say", "made it", command_id="a-said")
    assert said["success"]
    await asyncio.sleep(0.3)  # a transfer taken twice would have shown by now

    assert len(edge.answers("alice", "a-go")) == 1, "the go was answered once"
    numbers = [seq for seq, _ in _delivered(peer, "alice")]
    assert numbers == list(range(1, len(numbers) + 1)), "gapless across the crash"
    assert _kinds(peer, "alice").count("game_state") == 1, "continued, not resynced"
    for service, bus in ((s1, s1_bus), (s2, s2_bus)):
        await service.stop()
        await bus.close()
    await peer.bus.close()


async def test_a_login_into_another_shards_room_is_sent_there_and_heartbeats_stay_home(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """Dora's stored room is the quad (s2's); logins reach s1, which loads her and sends
    her on: s2 holds her, and Bob there sees her come in. Edges' heartbeats reach every
    shard; neither adopts a player the other holds from one."""
    peer = await peer_on(make_bus("test-peer"))
    s1, s1_bus, _ = await _shard(make_bus, game_settings, "s1")
    s2, s2_bus, _ = await _shard(make_bus, game_settings, "s2")
    edge = Edge(peer)
    await edge.join("bob")
    await edge.walk("bob", "north", QUAD, "b-go")
    await edge.join("carol")
    peer.rooms["dora"] = QUAD
    await edge.send("dora", SessionOpened(**_ids("dora")))
    await peer.wait_until(lambda: ("s2", "Dora") in _presence(peer, "bob", "player_entered"))
    assert edge.route("dora") == "s2"
    kinds = [(e.shard, e.event_type) for _, e in _delivered(peer, "dora")]
    assert kinds[0] == ("s1", "game_state") and ("s2", "room_update") in kinds, kinds
    await edge.send("dora", RoomBound(room_id=QUAD, **_ids("dora")))
    await edge.command("dora", "say", "hello bob", command_id="d-hello")
    await peer.wait_until(lambda: "hello bob" in _chats(peer, "bob"))
    assert _presence(peer, "carol", "player_entered") == [], "Dora never stood in the square"

    held = [
        HeldConnection(**{k: v for k, v in _ids(p).items() if k != "edge_id"})
        for p in ("bob", "carol", "dora")
    ]
    beat = EdgeHeartbeat(edge_id="edge-1", connections=held)
    await peer.bus.publish(COMMANDS_EXCHANGE, edge_key("edge-1"), beat.model_dump_json().encode())
    await edge.command("carol", "say", "anyone?", command_id="c-any")
    await edge.command("bob", "say", "here", command_id="b-here")
    await asyncio.sleep(0.2)
    for pid, home in (("bob", "s2"), ("carol", "s1"), ("dora", "s2")):
        assert _kinds(peer, pid).count("game_state") == 1, f"{pid} adopted again"
        assert edge.route(pid) == home
    for service, bus in ((s1, s1_bus), (s2, s2_bus)):
        await service.stop()
        await bus.close()
    await peer.bus.close()


async def test_a_sender_restarted_from_its_journal_still_forwards(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """s1 crashes after Alice crossed: the next s1 reads in its journal that her inputs
    go to s2, and forwards a late one there instead of taking her in again."""
    peer = await peer_on(make_bus("test-peer"))
    s1, s1_bus, s1_journal = await _shard(make_bus, game_settings, "s1")
    s2, s2_bus, _ = await _shard(make_bus, game_settings, "s2")
    edge = Edge(peer)
    await edge.join("alice")
    await edge.walk("alice", "north", QUAD, "a-go")
    await s1_bus.close()  # as a kill -9 leaves it: no handoff
    await s1.stop()

    s1_bus = make_bus("game-s1-next")
    await s1_bus.connect()
    s1 = GameService(game_settings(shard="s1", shard_map=SPLIT, handoff=False), s1_bus, s1_journal)
    await s1.start()
    late = await edge.command("alice", "say", "late", command_id="a-late", shard="s1")
    assert late["success"]
    await asyncio.sleep(0.2)
    assert _kinds(peer, "alice").count("game_state") == 1, "not taken in again by s1"
    assert edge.route("alice") == "s2", "answered by s2"
    numbers = [seq for seq, _ in _delivered(peer, "alice")]
    assert numbers == list(range(1, len(numbers) + 1))
    for service, bus in ((s1, s1_bus), (s2, s2_bus)):
        await service.stop()
        await bus.close()
    await peer.bus.close()


async def test_a_player_carried_into_another_shards_room_crosses_without_a_command(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """An admin on s1 drives Alice's lucidity to its floor: orderlies carry her to the
    sanitarium (uptown, s2's). She crosses though her own command moved nothing; the
    admin's command is answered by s1, and Alice's stream goes on from s2."""
    peer = await peer_on(make_bus("test-peer"))
    s1, s1_bus, _ = await _shard(make_bus, game_settings, "s1")
    s2, s2_bus, _ = await _shard(make_bus, game_settings, "s2")
    edge = Edge(peer)
    for pid in ("alice", "carol"):
        await edge.join(pid)
    setstat = PlayerCommand(
        **{**_ids("carol"), "player_role": "admin"},
        command="setstat",
        args=["Alice", "lcd", "-100"],
        command_id="c-set",
    )
    await edge.send("carol", setstat)
    await peer.wait_until(lambda: len(edge.answers("carol", "c-set")) == 1)
    assert edge.answers("carol", "c-set")[0]["success"]
    await peer.wait_until(lambda: edge.route("alice") == "s2")
    arrived = [e for _, e in _delivered(peer, "alice") if e.shard == "s2"]
    assert arrived[0].event_type == "room_update"
    assert arrived[0].data["room"]["id"] == "sanitarium-ward"
    said = await edge.command("alice", "say", "where am I", command_id="a-where")
    assert said["success"]
    numbers = [seq for seq, _ in _delivered(peer, "alice")]
    assert numbers == list(range(1, len(numbers) + 1))
    assert _kinds(peer, "alice").count("game_state") == 1
    assert ("s1", "Alice") in _presence(peer, "carol", "player_left")
    for service, bus in ((s1, s1_bus), (s2, s2_bus)):
        await service.stop()
        await bus.close()
    await peer.bus.close()


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
    s2, s2_bus, _ = await _shard(make_bus, game_settings, "s2")
    edge = Edge(peer)
    await edge.join("alice")
    await edge.walk("alice", "north", QUAD, "a-go")
    directory = s1.directory
    assert directory is not None
    await peer.wait_until(
        lambda: (seen := directory.get_elsewhere("alice")) is not None and seen.shard == "s2"
    )
    await asyncio.sleep(0.3)  # past s1's forwarding window
    stream = _delivered(peer, "alice")
    epoch = next(e.data for _, e in stream if e.event_type == "game_state")
    resume = ResumeFrom(
        session_id=epoch["session_id"], epoch=epoch["epoch"], last_seq=stream[-1][0]
    )
    again = {**_ids("alice"), "connection_id": "c-alice-2"}
    await edge.send("alice", SessionOpened(**again, resume=resume), shard=LOBBY_SHARD)
    await peer.wait_until(lambda: len(_delivered(peer, "alice")) > len(stream))
    said = PlayerCommand(**again, command="say", args=["back"], command_id="a-back")
    await edge.send("alice", said)
    await peer.wait_until(lambda: len(edge.answers("alice", "a-back")) == 1)
    assert _kinds(peer, "alice").count("game_state") == 1, "resumed, not adopted by s1"
    assert edge.route("alice") == "s2"
    numbers = [seq for seq, _ in _delivered(peer, "alice")]
    assert numbers == list(range(1, len(numbers) + 1))
    for service, bus in ((s1, s1_bus), (s2, s2_bus)):
        await service.stop()
        await bus.close()
    await peer.bus.close()
