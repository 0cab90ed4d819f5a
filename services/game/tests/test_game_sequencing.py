"""The dispatcher over a bus: gapless per-player streams, room events published once
per room, per-player copies until the edge confirms a room, replay, resume,
idempotent commands, link-dead grace and adoption after a game restart."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from mythos_contracts.bus import Delivery
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import (
    CommandRefused,
    EdgeHeartbeat,
    EventEnvelope,
    HeldConnection,
    PlayerCommand,
    ReplayRequest,
    ResumeFrom,
    RoomBound,
    SessionClosed,
    SessionOpened,
)
from mythos_contracts.persistence import LoadPlayerReply, LoadPlayerRequest
from mythos_contracts.routing import (
    EVENTS_EXCHANGE,
    PERSISTENCE_REQUESTS_QUEUE,
    PERSISTENCE_SAVES_QUEUE,
)
from mythos_game.adapters.persistence_client import PersistenceClient
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.roster import Roster
from mythos_game.service_layer.dispatcher import Dispatcher
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.links import Links
from mythos_game.service_layer.sequencer import HistoryLimits, Sequencer
from mythos_game.service_layer.sessions import Sessions, SessionTimings

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
START = WORLD.start_room
NORTH = WORLD.room(START).exits["north"]
NORTH = getattr(NORTH, "target", NORTH)


@dataclass
class Game:
    dispatcher: Dispatcher
    bus: InMemoryBus
    sequencer: Sequencer
    roster: Roster
    links: Links
    clock: list[float]
    published: list[tuple[str, EventEnvelope]] = field(default_factory=list)
    saves: list[bytes] = field(default_factory=list)

    async def handle(self, message) -> None:  # type: ignore[no-untyped-def]
        await self.dispatcher.handle(message)
        for _ in range(5):
            await asyncio.sleep(0)

    def stream_of(self, pid: str) -> list[tuple[str, int]]:
        return [(e.event_type, e.recipients[pid]) for _, e in self.published if pid in e.recipients]

    def of_type(self, kind: str) -> list[tuple[str, EventEnvelope]]:
        return [(k, e) for k, e in self.published if e.event_type == kind]


async def _game(history: HistoryLimits | None = None) -> Game:
    bus = InMemoryBus(InMemoryBroker())
    await bus.connect()
    clock = [1000.0]
    roster = Roster()
    links = Links()
    sequencer = Sequencer(history, clock=lambda: clock[0])
    publisher = EventPublisher(bus, roster, links, sequencer)
    sessions = Sessions(
        WORLD,
        roster,
        links,
        sequencer,
        publisher,
        PersistenceClient(bus, timeout=1.0, attempts=1),
        SessionTimings(linkdead_grace=30, heartbeat_interval=25, edge_timeout=30),
        clock=lambda: clock[0],
    )
    dispatcher = Dispatcher(WORLD, roster, publisher, sessions)
    game = Game(dispatcher, bus, sequencer, roster, links, clock)
    await bus.declare_queue("spy", exclusive=True, dead_letter=False)
    await bus.bind("spy", EVENTS_EXCHANGE, "#")

    async def spy(delivery: Delivery) -> None:
        # As an edge reads it: a response folded into a room event counts as its own.
        envelope = EventEnvelope.model_validate_json(delivery.body)
        game.published.extend((delivery.routing_key, e) for e in envelope.carried())

    async def persistence(delivery: Delivery) -> None:
        request = LoadPlayerRequest.model_validate_json(delivery.body)
        reply = LoadPlayerReply(
            player_id=request.player_id, name=request.name, room_id=None, version=0
        )
        await bus.reply(delivery, reply.model_dump_json().encode())

    async def saved(delivery: Delivery) -> None:
        game.saves.append(delivery.body)

    await bus.consume("spy", spy)
    await bus.consume(PERSISTENCE_REQUESTS_QUEUE, persistence)
    await bus.consume(PERSISTENCE_SAVES_QUEUE, saved)
    return game


def _ids(pid: str, conn: str | None = None) -> dict[str, str]:
    return {
        "player_id": pid,
        "player_name": pid.upper(),
        "connection_id": conn or f"c-{pid}",
        "edge_id": "e1",
    }


async def _join(game: Game, *pids: str) -> None:
    for pid in pids:
        await game.handle(SessionOpened(**_ids(pid)))
        await game.handle(RoomBound(room_id=START, **_ids(pid)))


def _gapless(game: Game, pid: str) -> bool:
    numbers = [seq for kind, seq in game.stream_of(pid) if kind not in ("heartbeat", "disconnect")]
    return numbers == list(range(1, len(numbers) + 1))


async def test_streams_are_gapless_and_room_events_go_once_per_room() -> None:
    game = await _game()
    await _join(game, "a", "b")
    await game.handle(PlayerCommand(command="say", args=["hi"], command_id="c1", **_ids("b")))
    (key, envelope), *rest = game.of_type("chat_message")
    assert not rest, "a room event is published once"
    assert key == f"room.{START}.chat_message" and set(envelope.recipients) == {"a"}
    assert _gapless(game, "a") and _gapless(game, "b")
    characters = [body for body in game.saves if b'"character_id"' in body]
    assert len(game.saves) - len(characters) == 2, "each new player is placed and saved once"
    assert len(characters) == 2, "with the first character, created at the first login"
    await game.bus.close()


async def test_game_state_tells_the_client_how_often_heartbeats_come() -> None:
    # The client's silence timeout follows this (docs/protocol.md, "Heartbeats and liveness").
    game = await _game()
    await _join(game, "a")
    ((_, state),) = game.of_type("game_state")
    assert state.data["heartbeat_interval_seconds"] == 25
    await game.bus.close()


async def test_a_player_who_just_arrived_gets_own_copies_until_the_room_is_bound() -> None:
    game = await _game()
    await _join(game, "a", "b")
    await game.handle(PlayerCommand(command="north", **_ids("a")))
    await game.handle(PlayerCommand(command="north", **_ids("b")))
    game.published.clear()
    await game.handle(PlayerCommand(command="say", args=["psst"], **_ids("b")))
    ((key, envelope),) = game.of_type("chat_message")
    assert key == "player.a.chat_message" and set(envelope.recipients) == {"a"}

    game.published.clear()
    await game.handle(RoomBound(room_id=NORTH, **_ids("a")))
    await game.handle(PlayerCommand(command="say", args=["now"], **_ids("b")))
    ((key, envelope),) = game.of_type("chat_message")
    assert key == f"room.{NORTH}.chat_message" and set(envelope.recipients) == {"a"}
    await game.bus.close()


async def test_a_player_an_admin_moves_gets_own_copies_until_the_room_is_bound() -> None:
    game = await _game()
    await _join(game, "a", "b", "c")
    await game.handle(
        PlayerCommand(command="teleport", args=["B", NORTH], player_role="admin", **_ids("c"))
    )
    await game.handle(PlayerCommand(command="north", **_ids("a")))
    await game.handle(RoomBound(room_id=NORTH, **_ids("a")))
    game.published.clear()
    await game.handle(PlayerCommand(command="say", args=["psst"], **_ids("a")))
    ((key, envelope),) = game.of_type("chat_message")
    assert key == "player.b.chat_message" and set(envelope.recipients) == {"b"}
    await game.bus.close()


async def test_a_stale_room_bound_is_ignored() -> None:
    game = await _game()
    await _join(game, "a", "b")
    await game.handle(PlayerCommand(command="north", **_ids("a")))
    await game.handle(PlayerCommand(command="north", **_ids("b")))
    await game.handle(RoomBound(room_id=START, **_ids("a")))
    game.published.clear()
    await game.handle(PlayerCommand(command="say", args=["x"], **_ids("b")))
    assert [k for k, _ in game.of_type("chat_message")] == ["player.a.chat_message"]
    await game.bus.close()


async def test_a_new_connection_replaces_the_old_one() -> None:
    game = await _game()
    await _join(game, "a")
    await game.handle(SessionOpened(**_ids("a", "c-new")))
    ((_, closing),) = game.of_type("disconnect")
    assert closing.connection_id == "c-a" and closing.data["code"] == 4001
    game.published.clear()
    await game.handle(PlayerCommand(command="look", command_id="old", **_ids("a")))
    assert game.published == [], "the replaced connection is not heard any more"
    await game.bus.close()


async def test_a_resend_of_the_same_command_id_runs_once_and_gets_the_same_answer() -> None:
    game = await _game()
    await _join(game, "a", "b")
    for _ in range(2):
        await game.handle(PlayerCommand(command="say", args=["once"], command_id="x1", **_ids("a")))
    assert len(game.of_type("chat_message")) == 1
    responses = [e.data for _, e in game.of_type("command_response")]
    assert len(responses) == 2 and responses[0] == responses[1]
    await game.bus.close()


async def test_replay_gives_exactly_the_missed_messages_or_a_resync() -> None:
    game = await _game()
    await _join(game, "a", "b")
    for i in range(5):
        await game.handle(PlayerCommand(command="say", args=[f"m{i}"], **_ids("b")))
    stream = game.sequencer.get("a")
    assert stream is not None
    game.published.clear()
    await game.handle(ReplayRequest(epoch=stream.epoch, from_seq=3, **_ids("a")))
    replayed = [e.recipients["a"] for _, e in game.published]
    assert replayed == list(range(3, stream.last + 1))
    assert all(e.connection_id == "c-a" for _, e in game.published)

    game.published.clear()
    # This connection was sent the current stream: a request about another epoch is stale.
    await game.handle(ReplayRequest(epoch="another-epoch", from_seq=3, **_ids("a")))
    assert game.published == []
    await game.bus.close()


async def test_replay_is_never_partial_when_history_was_trimmed() -> None:
    game = await _game(HistoryLimits(messages=3, seconds=0))
    await _join(game, "a", "b")
    for i in range(10):
        game.clock[0] += 1
        await game.handle(PlayerCommand(command="say", args=[f"m{i}"], **_ids("b")))
    stream = game.sequencer.get("a")
    assert stream is not None
    game.published.clear()
    await game.handle(ReplayRequest(epoch=stream.epoch, from_seq=stream.last - 2, **_ids("a")))
    assert [e.recipients["a"] for _, e in game.published] == [
        stream.last - 2,
        stream.last - 1,
        stream.last,
    ]
    game.published.clear()
    await game.handle(ReplayRequest(epoch=stream.epoch, from_seq=2, **_ids("a")))
    assert [e.event_type for _, e in game.published] == ["game_state"]
    await game.bus.close()


async def test_a_dropped_player_stays_link_dead_then_resumes_seamlessly() -> None:
    game = await _game()
    await _join(game, "a", "b")
    stream = game.sequencer.get("a")
    assert stream is not None
    await game.handle(SessionClosed(**_ids("a")))
    await game.handle(PlayerCommand(command="say", args=["while away"], **_ids("b")))
    last_seen = stream.last - 1
    game.clock[0] += 10
    await game.dispatcher.tick()
    assert game.roster.get("a") is not None, "still in the world during the grace period"

    game.published.clear()
    resume = ResumeFrom(session_id=stream.session_id, epoch=stream.epoch, last_seq=last_seen)
    await game.handle(SessionOpened(resume=resume, **_ids("a", "c-back")))
    kinds = [(e.event_type, e.recipients.get("a")) for _, e in game.published]
    assert kinds[0] == ("chat_message", last_seen + 1)
    assert ("game_state", 1) not in kinds
    assert game.published[0][1].connection_id == "c-back"
    await game.bus.close()


async def test_link_dead_players_leave_after_the_grace_period() -> None:
    game = await _game()
    await _join(game, "a", "b")
    await game.handle(SessionClosed(**_ids("a")))
    game.clock[0] += 31
    await game.handle(EdgeHeartbeat(edge_id="e1"))
    await game.dispatcher.tick()
    await game.handle(EdgeHeartbeat(edge_id="e1"))
    assert game.roster.get("a") is None
    assert any(e.data["player_name"] == "A" for _, e in game.of_type("player_left"))
    await game.bus.close()


async def test_players_of_a_silent_edge_turn_link_dead() -> None:
    game = await _game()
    await _join(game, "a")
    game.clock[0] += 31
    await game.dispatcher.tick()
    link = game.links.get("a")
    assert game.roster.get("a") is not None and link is not None and link.linkdead
    await game.bus.close()


async def test_heartbeats_carry_the_last_issued_number_without_advancing_it() -> None:
    game = await _game()
    await _join(game, "a")
    last = game.sequencer.last("a")
    await game.handle(EdgeHeartbeat(edge_id="e1"))
    game.clock[0] += 26
    await game.dispatcher.tick()
    await asyncio.sleep(0)
    ((key, beat),) = game.of_type("heartbeat")
    assert key == "global.heartbeat" and beat.recipients == {"a": last}
    assert game.sequencer.last("a") == last
    await game.bus.close()


async def test_after_a_restart_unknown_players_are_adopted_with_a_resync() -> None:
    game = await _game()
    # A command from a connection the (restarted) game never saw: adopt, resync, then run it.
    await game.handle(PlayerCommand(command="look", command_id="k", **_ids("a")))
    kinds = [e.event_type for _, e in game.published]
    assert kinds[0] == "game_state" and game.published[0][1].data["resync"] is True
    assert "command_response" in kinds
    # An edge heartbeat listing a connection also adopts it.
    held = HeldConnection(player_id="b", player_name="B", connection_id="c-b")
    await game.handle(EdgeHeartbeat(edge_id="e1", connections=[held]))
    assert game.roster.get("b") is not None
    await game.bus.close()


async def test_everyone_and_subzone_audiences_reach_exactly_their_players() -> None:
    from mythos_contracts.events import ChatMessageData
    from mythos_game.domain.outgoing import Outgoing, ToEveryone, ToSubzone

    game = await _game()
    await _join(game, "a", "b", "c")
    await game.handle(PlayerCommand(command="north", **_ids("c")))
    chat = ChatMessageData(
        channel="global", player_id="a", player_name="A", message="hi", text="[global] A: hi"
    )
    publisher = game.dispatcher._publisher
    game.published.clear()
    await publisher.publish([Outgoing("chat_message", ToEveryone(frozenset({"a"})), chat)])
    await asyncio.sleep(0)
    ((key, envelope),) = game.of_type("chat_message")
    assert key == "global.chat_message" and set(envelope.recipients) == {"b", "c"}

    game.published.clear()
    # The default sub-zone function puts every room in its own sub-zone.
    await publisher.publish([Outgoing("chat_message", ToSubzone(START), chat)])
    await asyncio.sleep(0)
    recipients = {pid for _, e in game.of_type("chat_message") for pid in e.recipients}
    assert recipients == {"a", "b"}
    await game.bus.close()


async def test_a_redelivered_session_open_does_not_start_a_second_stream() -> None:
    game = await _game()
    await _join(game, "a")
    epoch = game.sequencer.get("a").epoch  # type: ignore[union-attr]
    await game.handle(SessionOpened(**_ids("a")))
    assert game.sequencer.get("a").epoch == epoch  # type: ignore[union-attr]
    assert len(game.of_type("game_state")) == 1
    await game.bus.close()


async def test_a_command_the_edge_refused_is_answered_in_stream_and_not_remembered() -> None:
    game = await _game()
    await _join(game, "a")
    refusal = "slow down: at most 10 commands per second (bursts of 20); this one was not run"
    await game.handle(
        CommandRefused(command="say", command_id="r1", reason=refusal, retry_after=0.1, **_ids("a"))
    )
    ((_, answer),) = game.of_type("command_response")
    assert answer.data == {
        "command": "say",
        "command_id": "r1",
        "success": False,
        "result": refusal,
        "retry_after": 0.1,
    }
    await game.handle(PlayerCommand(command="say", args=["now"], command_id="r1", **_ids("a")))
    ran = game.of_type("command_response")[1][1].data
    assert ran["success"] is True and "retry_after" not in ran, "the re-send runs"
    assert _gapless(game, "a")
    await game.bus.close()
