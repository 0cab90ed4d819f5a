"""The commands through the dispatcher, over an in-memory bus with a fake persistence
service: who receives each channel, chat history at login, stored aliases and mutes,
quit, kick and ban, audit lines, the role taken from each message, revocations from the
auth service, and a clock the test moves for rate limits."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from mythos_contracts.accounts import AccountRevoked, BanRequest
from mythos_contracts.bus import Delivery
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EventEnvelope, PlayerCommand, RoomBound, SessionOpened
from mythos_contracts.persistence import (
    ChatHistoryReply,
    ChatLine,
    LoadPlayerReply,
    LoadPlayerRequest,
    PlayerStateChanged,
)
from mythos_contracts.routing import (
    AUTH_REQUESTS_QUEUE,
    EVENTS_EXCHANGE,
    PERSISTENCE_REQUESTS_QUEUE,
    PERSISTENCE_SAVES_QUEUE,
    load_request_key,
)
from mythos_game.adapters.persistence_client import PersistenceClient
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.roster import Roster
from mythos_game.domain.rules import ChatRates, Rules
from mythos_game.service_layer.account_requests import AccountRequests
from mythos_game.service_layer.chat_history import ChatHistory
from mythos_game.service_layer.dispatcher import Dispatcher
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.links import Links
from mythos_game.service_layer.sequencer import Sequencer
from mythos_game.service_layer.sessions import Sessions, SessionTimings

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
START = WORLD.start_room  # sub-zone independence-square, with town-hall-steps
STEPS = "town-hall-steps"
QUAD = "miskatonic-quad"


@dataclass
class Game:
    dispatcher: Dispatcher
    bus: InMemoryBus
    roster: Roster
    history: ChatHistory
    clock: list[float]
    stored: dict[str, LoadPlayerReply] = field(default_factory=dict)
    stored_lines: list[ChatLine] = field(default_factory=list)
    published: list[tuple[str, EventEnvelope]] = field(default_factory=list)
    saves: list[tuple[str, bytes]] = field(default_factory=list)
    persistence_up: bool = True
    roles: dict[str, str] = field(default_factory=dict)
    """Each player's token role, which the edge attaches to every message."""
    bans: list[BanRequest] = field(default_factory=list)
    """What the game asked the auth service."""

    async def handle(self, message) -> None:  # type: ignore[no-untyped-def]
        await self.dispatcher.handle(message)
        for _ in range(5):
            await asyncio.sleep(0)

    async def join(self, pid: str, room: str = START, role: str = "player") -> None:
        self.stored.setdefault(
            pid, LoadPlayerReply(player_id=pid, name=pid.title(), room_id=room, version=1)
        )
        self.roles[pid] = role
        await self.handle(SessionOpened(player_role=role, **ids(pid)))
        await self.handle(RoomBound(room_id=room, **ids(pid)))

    async def run(self, pid: str, command: str, *args: str) -> dict[str, object]:
        before = len(self.published)
        role = self.roles.get(pid, "player")
        await self.handle(
            PlayerCommand(command=command, args=list(args), player_role=role, **ids(pid))
        )
        (response,) = [
            e.data for _, e in self.published[before:] if e.event_type == "command_response"
        ]
        return response

    def received(self, pid: str, kind: str = "chat_message") -> list[dict[str, object]]:
        return [e.data for _, e in self.published if e.event_type == kind and pid in e.recipients]

    def stream(self, pid: str) -> list[tuple[str, int]]:
        return [(e.event_type, e.recipients[pid]) for _, e in self.published if pid in e.recipients]


def ids(pid: str) -> dict[str, str]:
    return {
        "player_id": pid,
        "player_name": pid.title(),
        "connection_id": f"c-{pid}",
        "edge_id": "e",
    }


async def make_game(rules: Rules | None = None) -> Game:
    bus = InMemoryBus(InMemoryBroker())
    await bus.connect()
    clock = [1_000_000.0]
    roster = Roster()
    links = Links()
    sequencer = Sequencer()

    def subzone_of(room_id: str) -> str:
        return WORLD.room(room_id).subzone_id

    store = PersistenceClient(bus, timeout=0.2, attempts=1)
    publisher = EventPublisher(bus, roster, links, sequencer, subzone_of)
    history = ChatHistory(store, subzone_of, size=3, load_timeout=0.2)
    sessions = Sessions(
        WORLD, roster, links, sequencer, publisher, store, SessionTimings(), welcome=history.welcome
    )
    dispatcher = Dispatcher(
        WORLD,
        roster,
        publisher,
        sessions,
        rules=rules,
        history=history,
        clock=lambda: clock[0],
        account_requests=AccountRequests(bus),
    )
    game = Game(dispatcher, bus, roster, history, clock)

    async def spy(delivery: Delivery) -> None:
        # As an edge reads it: a response folded into a room event counts as its own.
        envelope = EventEnvelope.model_validate_json(delivery.body)
        game.published.extend((delivery.routing_key, e) for e in envelope.carried())

    async def persistence(delivery: Delivery) -> None:
        if not game.persistence_up:
            return
        if delivery.routing_key == load_request_key("chat_history"):
            reply = ChatHistoryReply(lines=game.stored_lines).model_dump_json()
        else:
            request = LoadPlayerRequest.model_validate_json(delivery.body)
            reply = game.stored[request.player_id].model_dump_json()
        await bus.reply(delivery, reply.encode())

    async def saved(delivery: Delivery) -> None:
        game.saves.append((delivery.routing_key, delivery.body))

    await bus.declare_queue("spy", exclusive=True, dead_letter=False)
    await bus.bind("spy", EVENTS_EXCHANGE, "#")
    await bus.consume("spy", spy)
    await bus.consume(PERSISTENCE_REQUESTS_QUEUE, persistence)
    await bus.consume(PERSISTENCE_SAVES_QUEUE, saved)

    async def to_auth(delivery: Delivery) -> None:
        game.bans.append(BanRequest.model_validate_json(delivery.body))

    await bus.consume(AUTH_REQUESTS_QUEUE, to_auth)
    return game


@pytest.fixture
async def game() -> Game:
    g = await make_game()
    await g.history.load()
    yield g  # type: ignore[misc]
    await g.bus.close()


async def test_each_channel_reaches_exactly_its_players(game: Game) -> None:
    await game.join("alice")
    await game.join("bob")  # same room
    await game.join("carol", STEPS)  # same sub-zone, another room
    await game.join("dan", QUAD)  # another sub-zone

    await game.run("alice", "say", "room")
    await game.run("alice", "emote", "waves.")
    await game.run("alice", "local", "area")
    await game.run("alice", "global", "all")
    await game.run("alice", "whisper", "dan", "secret")

    def heard(pid: str) -> list[str]:
        return [str(d["text"]) for d in game.received(pid)]

    assert heard("alice") == []
    assert heard("bob") == [
        "Alice says: room",
        "Alice waves.",
        "[local] Alice: area",
        "[global] Alice: all",
    ]
    assert heard("carol") == ["[local] Alice: area", "[global] Alice: all"]
    assert heard("dan") == ["[global] Alice: all", "Alice whispers to you: secret"]
    assert (await game.run("dan", "reply", "got", "it"))["result"] == "You whisper to Alice: got it"
    assert heard("alice") == ["Dan whispers to you: got it"]


async def test_reach_follows_players_who_move(game: Game) -> None:
    await game.join("alice")
    await game.join("bob")
    await game.run("bob", "north")
    await game.run("alice", "say", "gone?")
    await game.run("alice", "local", "here?")
    assert game.received("bob") == []
    await game.run("bob", "south")
    await game.run("alice", "say", "back")
    assert [d["message"] for d in game.received("bob")] == ["back"]


async def test_chat_history_follows_game_state_at_login(game: Game) -> None:
    await game.join("alice")
    await game.join("dan", QUAD)
    for i in range(4):
        await game.run("alice", "global", f"g{i}")
    await game.run("alice", "local", "square")
    await game.run("dan", "local", "quad")
    chat_saves = [ChatLine.model_validate_json(b) for k, b in game.saves if k == "save.chat"]
    assert [x.message for x in chat_saves] == ["g0", "g1", "g2", "g3", "square", "quad"]

    await game.join("bob")
    stream = game.stream("bob")
    assert stream[0] == ("game_state", 1)
    history = game.received("bob")
    assert [d["message"] for d in history] == ["g1", "g2", "g3", "square"]  # last 3 + local
    assert all(d["history"] is True for d in history)
    assert [kind for kind, _ in stream[1:5]] == ["chat_message"] * 4
    await game.run("alice", "global", "live")
    assert game.received("bob")[-1]["history"] is False


async def test_history_is_read_back_from_storage_at_start() -> None:
    game = await make_game()
    sent = datetime(2026, 1, 1, tzinfo=UTC)
    game.stored_lines = [
        ChatLine(
            line_id="x1",
            scope="global",
            channel="global",
            player_id="old",
            player_name="Old",
            message="before the restart",
            text="[global] Old: before the restart",
            sent_at=sent,
        )
    ]
    assert await game.history.load()
    await game.join("bob")
    assert [d["message"] for d in game.received("bob")] == ["before the restart"]
    await game.bus.close()


async def test_no_history_when_storage_does_not_answer_and_login_still_works() -> None:
    game = await make_game()
    game.persistence_up = False
    assert not await game.history.load()
    game.persistence_up = True
    await game.join("bob")
    assert game.stream("bob")[0] == ("game_state", 1)
    assert game.received("bob") == []
    await game.bus.close()


async def test_aliases_and_mutes_are_loaded_and_saved(game: Game) -> None:
    game.stored["alice"] = LoadPlayerReply(
        player_id="alice",
        name="Alice",
        room_id=START,
        version=4,
        aliases={"gq": "go north"},
        muted_until=datetime.fromtimestamp(game.clock[0] + 60, UTC),
    )
    loaded_at = int(time.time() * 1000)
    await game.join("alice")
    assert "muted for 1 minute" in str((await game.run("alice", "say", "hi"))["result"])
    assert (await game.run("alice", "gq"))["success"] is True
    assert game.roster.get("alice").room_id == QUAD  # type: ignore[union-attr]
    await game.run("alice", "alias", "hm", "say", "hmm")
    saves = [PlayerStateChanged.model_validate_json(b) for k, b in game.saves if k == "save.player"]
    # The login created the account's first character, then the walk, then the alias; the
    # versions count on from the wall clock at the load (above anything a crashed game
    # may still have queued), not from the stored 4.
    assert [s.version - saves[0].version for s in saves] == [0, 1, 2]
    assert saves[0].version > loaded_at
    last = saves[-1]
    assert last.aliases == {"gq": "go north", "hm": "say hmm"}
    assert last.active_character_id == "alice"
    assert last.muted_until is not None and last.room_id == QUAD


async def test_quit_leaves_at_once_and_says_goodbye(game: Game) -> None:
    await game.join("alice")
    await game.join("bob")
    response = await game.run("alice", "quit")
    assert response["success"] is True
    kinds = [e.event_type for _, e in game.published if "alice" in e.recipients]
    assert kinds[-2:] == ["command_response", "disconnect"]
    assert game.received("alice", "disconnect")[-1] == {"code": 1000, "reason": "goodbye"}
    assert game.received("bob", "player_left")[-1]["player_name"] == "Alice"
    assert game.roster.get("alice") is None


async def test_kick_and_its_audit_line(game: Game, caplog: pytest.LogCaptureFixture) -> None:
    await game.join("ada", role="admin")
    await game.join("bob")
    caplog.set_level(logging.INFO, logger="mythos_game.audit")
    refused = await game.run("bob", "kick", "ada")
    assert refused["success"] is False and game.roster.get("ada") is not None
    await game.run("ada", "kick", "bob", "spam")
    assert game.received("bob", "disconnect")[-1]["code"] == 4004
    assert game.roster.get("bob") is None
    assert game.received("ada", "player_left")[-1]["player_name"] == "Bob"
    lines = [r.getMessage() for r in caplog.records if r.name == "mythos_game.audit"]
    assert "admin action=kick allowed=no actor=Bob" in lines[0]
    assert "admin action=kick allowed=yes actor=Ada" in lines[1] and "target='Bob'" in lines[1]


async def test_rate_limits_use_the_injected_clock() -> None:
    game = await make_game(Rules(rates=ChatRates(say=2)))
    await game.join("alice")
    assert (await game.run("alice", "say", "1"))["success"] is True
    assert (await game.run("alice", "say", "2"))["success"] is True
    refused = await game.run("alice", "say", "3")
    assert refused["success"] is False and "try again in 60 seconds" in str(refused["result"])
    game.clock[0] += 60
    assert (await game.run("alice", "say", "3"))["success"] is True
    await game.bus.close()


async def test_an_admin_move_is_saved_and_seen_like_walking(game: Game) -> None:
    await game.join("ada", role="admin")
    await game.join("bob")
    await game.join("dan", QUAD)
    await game.run("ada", "summon", "dan")
    assert game.received("bob", "player_entered")[-1]["player_name"] == "Dan"
    assert game.received("dan", "room_update")[-1]["room"]["id"] == START  # type: ignore[index]
    saved = PlayerStateChanged.model_validate_json(
        [b for k, b in game.saves if k == "save.player"][-1]
    )
    assert (saved.player_id, saved.room_id) == ("dan", START)


async def test_the_role_comes_from_each_message_not_from_the_login(game: Game) -> None:
    await game.join("ada", role="admin")
    await game.join("bob")
    game.roles["ada"] = "player"  # an in-band refresh brought a demoted token
    refused = await game.run("ada", "kick", "bob")
    assert refused["success"] is False and game.roster.get("bob") is not None
    game.roles["bob"] = "admin"  # and a promoted one
    assert (await game.run("bob", "admin", "status"))["success"] is True


async def test_a_ban_removes_the_player_and_asks_auth_to_ban_the_account(game: Game) -> None:
    await game.join("ada", role="admin")
    await game.join("bob")
    response = await game.run("ada", "ban", "bob", "7d", "flooding")
    assert response["success"] is True
    assert game.received("bob", "disconnect")[-1]["code"] == 4009
    assert game.roster.get("bob") is None
    await asyncio.sleep(0.01)
    (ban,) = game.bans
    assert (ban.account_id, ban.requested_by, ban.reason) == ("bob", "ada", "flooding")
    assert ban.until == datetime.fromtimestamp(game.clock[0] + 7 * 86400, UTC)


async def test_a_revocation_of_every_login_takes_the_player_out_at_once(game: Game) -> None:
    await game.join("alice")
    await game.join("bob")
    logout = AccountRevoked(
        account_id="bob", reason="logout", session_ids=["s1"], whole_account=False
    )
    await game.handle(logout)  # one login: its edge closes that socket and sends a quit
    assert game.roster.get("bob") is not None
    await game.handle(AccountRevoked(account_id="bob", reason="demoted", whole_account=True))
    assert game.received("bob", "disconnect")[-1]["code"] == 4009
    assert game.roster.get("bob") is None
    assert game.received("alice", "player_left")[-1]["player_name"] == "Bob"
