"""The world directory with two games whose maps split the shipped world
(``world/shards.2.json``: Independence Square is s1's, the Miskatonic quad north of it
s2's): ``who`` lists both shards' players, a whisper crosses to s2 and the reply comes
back, ``admin status`` shows both shards, and a player who leaves s2 drops out of s1's
``who``. The test is the edge (each player's inputs go to the shard of their newest
message). On the in-process bus, and on RabbitMQ (a vhost of its own)."""

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
from mythos_contracts.directory import DirectoryDelta, WhisperRelay
from mythos_contracts.envelope import (
    PlayerCommand,
    ResumeFrom,
    RoomBound,
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
from mythos_game.bootstrap import GameService
from mythos_game.service_layer.journal_records import decode
from mythos_game.settings import GameSettings

Peer = Any  # conftest.py's; not importable by name under --import-mode=importlib
PeerOn = Callable[[Bus], Awaitable[Any]]
MakeBus = Callable[[str], Bus]
SPLIT = Path(__file__).parents[1] / "world" / "shards.2.json"
SQUARE, QUAD = "independence-square", "miskatonic-quad"


def _ids(pid: str) -> dict[str, str]:
    return {
        "player_id": pid,
        "player_name": pid.title(),
        "connection_id": f"c-{pid}",
        "edge_id": "edge-1",
    }


class Edge:
    def __init__(self, peer: Peer) -> None:
        self.peer = peer
        self.sent = 0

    def route(self, pid: str) -> str:
        stamped = [e for e in self.peer.events if pid in e.recipients and e.shard is not None]
        return max(stamped, key=lambda e: e.recipients[pid]).shard if stamped else LOBBY_SHARD

    async def send(self, pid: str, message: Any) -> None:
        key = command_key(self.route(pid), pid)
        await self.peer.bus.publish(COMMANDS_EXCHANGE, key, message.model_dump_json().encode())

    async def command(self, pid: str, command: str, *args: str, role: str = "player") -> str:
        """Run a command; its answer's text."""
        self.sent += 1
        command_id = f"{pid}-{self.sent}"
        message = PlayerCommand(
            **_ids(pid), command=command, args=list(args), command_id=command_id, player_role=role
        )
        await self.send(pid, message)
        await self.peer.wait_until(lambda: self.answer(pid, command_id) is not None)
        answer = self.answer(pid, command_id)
        assert answer is not None
        return str(answer["result"])

    def answer(self, pid: str, command_id: str) -> dict[str, Any] | None:
        found = [r for r in self.peer.responses(pid) if r["command_id"] == command_id]
        return found[-1] if found else None

    async def join(self, pid: str) -> None:
        await self.send(pid, SessionOpened(**_ids(pid)))
        await self.peer.wait_until(lambda: self.stamped(pid, "game_state") != [])
        await self.send(pid, RoomBound(room_id=SQUARE, **_ids(pid)))

    def stamped(self, pid: str, kind: str) -> list[Any]:
        return [e for e in self.peer.events if pid in e.recipients and e.event_type == kind]

    def chats(self, pid: str) -> list[tuple[str | None, str]]:
        """``(shard, text)`` of each chat line ``pid`` got."""
        return [(e.shard, e.data["text"]) for e in self.stamped(pid, "chat_message")]

    async def until(
        self, pid: str, condition: Callable[[str], bool], *command: str, role: str = "player"
    ) -> str:
        """Run ``command`` until its answer fits (the directory converges within a
        snapshot); that answer."""
        answer = ""
        for _ in range(100):
            answer = await self.command(pid, *command, role=role)
            if condition(answer):
                return answer
            await asyncio.sleep(0.05)
        raise AssertionError(f"{command} never fit: {answer!r}")

    async def until_who(self, pid: str, condition: Callable[[str], bool]) -> str:
        return await self.until(pid, condition, "who")


@pytest.fixture(params=["memory", pytest.param("rabbitmq", marks=pytest.mark.services)])
def make_bus(request: pytest.FixtureRequest) -> MakeBus:
    if request.param == "memory":
        broker = InMemoryBroker()
        return lambda name: InMemoryBus(broker)
    url = request.getfixturevalue("amqp_url")
    return lambda name: AmqpBus(url, connection_name=name)


async def _shard(
    make_bus: MakeBus, settings: Callable[..., GameSettings], shard: str, **overrides: object
) -> tuple[GameService, Bus, MemoryJournal]:
    bus, journal = make_bus(f"game-{shard}"), MemoryJournal()
    await bus.connect()
    service = GameService(
        settings(
            shard=shard,
            shard_map=SPLIT,
            heartbeat_interval_seconds=0.2,
            directory_snapshot_seconds=0.2,
            **overrides,
        ),
        bus,
        journal,
    )
    await service.start()
    return service, bus, journal


async def test_who_whisper_reply_and_status_span_both_shards(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    peer = await peer_on(make_bus("test-peer"))
    s1, s1_bus, _ = await _shard(make_bus, game_settings, "s1")
    s2, s2_bus, s2_journal = await _shard(make_bus, game_settings, "s2")
    edge = Edge(peer)
    try:
        for pid in ("alice", "bob"):
            await edge.join(pid)
        await edge.command("bob", "go", "north")
        await edge.send("bob", RoomBound(room_id=QUAD, **_ids("bob")))
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
        await peer.wait_until(lambda: edge.chats("bob") != [])
        assert edge.chats("bob") == [("s2", "Alice whispers to you: meet me upstairs")]

        # Bob replies from s2: Alice is his last whisperer, on s1.
        replied = await edge.command("bob", "reply", "on", "my", "way")
        assert replied == "You whisper to Alice: on my way"
        await peer.wait_until(lambda: edge.chats("alice") != [])
        assert edge.chats("alice") == [("s1", "Bob whispers to you: on my way")]
        # And back again: Alice's reply goes to Bob, whom s1 never held.
        assert await edge.command("alice", "reply", "good") == "You whisper to Bob: good"
        await peer.wait_until(lambda: len(edge.chats("bob")) == 2)

        status = await edge.until(
            "alice", lambda text: text.count(": 1 players") == 2, "admin", "status", role="admin"
        )
        shards = [line for line in status.splitlines() if line.startswith("Shard ")]
        assert [line.split(":")[0] for line in shards] == ["Shard s1", "Shard s2"]
        for line, (shard, service) in zip(shards, (("s1", s1), ("s2", s2)), strict=True):
            expected = f"Shard {shard}: 1 players, term {service.term}, "
            assert line.startswith(expected + f"instance {service.instance_id}, up "), line

        # Bob's arrival on s2 is in the record of the unit that took him in.
        records = [decode(raw) for raw in await s2_journal.read_recent(60)]
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
    finally:
        for service, bus in ((s1, s1_bus), (s2, s2_bus)):
            await service.stop()
            await bus.close()
        await peer.bus.close()


async def test_a_link_dead_player_on_s2_shows_on_s1_until_the_grace_ends(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    peer = await peer_on(make_bus("test-peer"))
    s1, s1_bus, _ = await _shard(make_bus, game_settings, "s1")
    s2, s2_bus, _ = await _shard(make_bus, game_settings, "s2", linkdead_grace_seconds=1.0)
    edge = Edge(peer)
    try:
        for pid in ("alice", "bob"):
            await edge.join(pid)
        await edge.command("bob", "go", "north")
        await edge.until_who("alice", lambda text: "Bob -" in text)

        await edge.send("bob", SessionClosed(**_ids("bob")))  # dropped, not quit
        who = await edge.until_who("alice", lambda text: "(link-dead)" in text)
        assert "  Bob (link-dead) - Miskatonic University Quad, Miskatonic University" in (
            who.splitlines()
        )
        # s2 times him out after the grace: he leaves, and s1's who drops him.
        who = await edge.until_who("alice", lambda text: "Bob" not in text)
        assert who.splitlines()[0] == "Players online (1):"
    finally:
        for service, bus in ((s1, s1_bus), (s2, s2_bus)):
            await service.stop()
            await bus.close()
        await peer.bus.close()


async def test_past_the_forward_window_the_lobby_sends_a_session_open_to_s2(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    peer = await peer_on(make_bus("test-peer"))
    s1, s1_bus, _ = await _shard(make_bus, game_settings, "s1", transfer_forward_seconds=0.2)
    s2, s2_bus, _ = await _shard(make_bus, game_settings, "s2")
    edge = Edge(peer)
    try:
        for pid in ("alice", "bob", "carol"):
            await edge.join(pid)
        for pid in ("bob", "carol"):
            await edge.command(pid, "go", "north")
            await edge.send(pid, RoomBound(room_id=QUAD, **_ids(pid)))
        await edge.until_who("alice", lambda text: "Carol -" in text)  # s1 knows both moved
        await asyncio.sleep(0.3)  # s1's forward window is over

        # Bob drops, misses a line, and comes back on a new connection through the lobby.
        await edge.send("bob", SessionClosed(**_ids("bob")))
        await edge.until_who("alice", lambda text: "Bob (link-dead)" in text)
        (state,) = edge.stamped("bob", "game_state")
        last_seen = max(e.recipients["bob"] for e in peer.events if "bob" in e.recipients)
        await edge.command("carol", "say", "you missed this")
        resume = ResumeFrom(
            session_id=state.data["session_id"], epoch=state.data["epoch"], last_seq=last_seen
        )
        lobby = command_key(LOBBY_SHARD, "bob")
        back = SessionOpened(resume=resume, **{**_ids("bob"), "connection_id": "c-bob-2"})
        await peer.bus.publish(COMMANDS_EXCHANGE, lobby, back.model_dump_json().encode())
        await peer.wait_until(
            lambda: any(e.connection_id == "c-bob-2" for e in edge.stamped("bob", "chat_message"))
        )
        replayed = [e for e in edge.stamped("bob", "chat_message") if e.connection_id == "c-bob-2"]
        assert [(e.shard, e.data["message"]) for e in replayed] == [("s2", "you missed this")]
        assert replayed[0].recipients["bob"] == last_seen + 1
        assert len(edge.stamped("bob", "game_state")) == 1, "resumed, not resynced"

        # A second login, through the lobby too: s2 replaces the connection (4001).
        again = SessionOpened(**{**_ids("bob"), "connection_id": "c-bob-3"})
        await peer.bus.publish(COMMANDS_EXCHANGE, lobby, again.model_dump_json().encode())
        await peer.wait_until(lambda: len(edge.stamped("bob", "game_state")) == 2)
        (closing,) = [e for e in peer.events if e.event_type == "disconnect"]
        assert (closing.connection_id, closing.data["code"]) == ("c-bob-2", 4001)
        assert [e.shard for e in edge.stamped("bob", "game_state")] == ["s1", "s2"]
        who = await edge.command("alice", "who")
        assert [line for line in who.splitlines() if "Bob" in line] == [
            "  Bob - Miskatonic University Quad, Miskatonic University"
        ]
    finally:
        for service, bus in ((s1, s1_bus), (s2, s2_bus)):
            await service.stop()
            await bus.close()
        await peer.bus.close()


async def test_the_last_whisperer_crosses_with_the_player(
    make_bus: MakeBus, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    peer = await peer_on(make_bus("test-peer"))
    s1, s1_bus, _ = await _shard(make_bus, game_settings, "s1")
    s2, s2_bus, _ = await _shard(make_bus, game_settings, "s2")
    edge = Edge(peer)
    try:
        for pid in ("alice", "bob"):
            await edge.join(pid)
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
        await peer.wait_until(lambda: ("s1", "Bob whispers to you: done") in edge.chats("alice"))
    finally:
        for service, bus in ((s1, s1_bus), (s2, s2_bus)):
            await service.stop()
            await bus.close()
        await peer.bus.close()


async def test_a_whisper_relay_counts_only_from_the_games_broker_user(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker, user="edge-user"))
    bus = InMemoryBus(broker, user="game-user")
    await bus.connect()
    settings = game_settings(
        shard="s1", shard_map=SPLIT, command_publisher="edge-user", shard_publisher="game-user"
    )
    service = GameService(settings, bus)
    await service.start()
    edge = Edge(peer)
    game_user = InMemoryBus(broker, user="game-user")
    await game_user.connect()
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
        await peer.wait_until(lambda: edge.chats("alice") != [])
        assert await edge.command("alice", "look")  # handled after both relays
        assert edge.chats("alice") == [("s1", "Mallory whispers to you: trust me")]
    finally:
        await service.stop()
        for b in (bus, game_user, peer.bus):
            await b.close()
