"""An uneasy mind may see something on entering a room (§8.7), however it got there:
walking, fleeing, an admin's teleport/goto/summon, respawn (typed or automatic). The
dispatcher rolls once per room entry, after the command's or the tick's other events and
before the status_update; the commands themselves roll nothing."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from mythos_contracts.bus import Delivery
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EventEnvelope, PlayerCommand, RoomBound, SessionOpened
from mythos_contracts.events import HallucinationData
from mythos_contracts.persistence import LoadPlayerReply, LoadPlayerRequest
from mythos_contracts.routing import (
    EVENTS_EXCHANGE,
    PERSISTENCE_REQUESTS_QUEUE,
    PERSISTENCE_SAVES_QUEUE,
)
from mythos_game.adapters.persistence_client import PersistenceClient
from mythos_game.adapters.world_files import load_world
from mythos_game.domain import hallucinations
from mythos_game.domain.characters import standard_investigator
from mythos_game.domain.hallucinations import VISIONS
from mythos_game.domain.npc_life import spawn_npc
from mythos_game.domain.outgoing import ToPlayer
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import RandomEffects, Rules
from mythos_game.service_layer.dispatcher import Dispatcher
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.links import Links
from mythos_game.service_layer.sequencer import Sequencer
from mythos_game.service_layer.sessions import Sessions, SessionTimings

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
START = WORLD.start_room
QUAD = "miskatonic-quad"
UNEASY, LUCID = 50, 100
TEXTS = {text for _, text in VISIONS}


class Draws(random.Random):
    """A seeded random whose ``random()`` draws are the given values, in turn: the chance
    rolls (``choice`` keeps the seeded sequence)."""

    def __init__(self, *draws: float) -> None:
        super().__init__(7)
        self._draws = list(draws)

    def random(self) -> float:
        return self._draws.pop(0)

    def getrandbits(self, k: int) -> int:
        # Defined here so that ``choice`` keeps drawing bits, not ``random()``.
        return super().getrandbits(k)


@dataclass
class Game:
    dispatcher: Dispatcher
    bus: InMemoryBus
    roster: Roster
    clock: list[float]
    roles: dict[str, str] = field(default_factory=dict)
    published: list[EventEnvelope] = field(default_factory=list)

    async def handle(self, message) -> None:  # type: ignore[no-untyped-def]
        await self.dispatcher.handle(message)
        for _ in range(5):
            await asyncio.sleep(0)

    async def join(self, pid: str, lucidity: int, role: str = "player") -> None:
        self.roles[pid] = role
        await self.handle(SessionOpened(player_role=role, **ids(pid)))
        self.player(pid).character.lucidity = lucidity
        await self.handle(RoomBound(room_id=self.player(pid).room_id, **ids(pid)))

    def player(self, pid: str) -> Player:
        player = self.roster.get(pid)
        assert player is not None
        return player

    async def run(self, pid: str, line: str) -> list[str]:
        """The kinds of what ``pid`` received for the command ``line``, in order."""
        before = len(self.published)
        command, *args = line.split()
        role = self.roles[pid]
        await self.handle(PlayerCommand(command=command, args=args, player_role=role, **ids(pid)))
        return self.kinds(pid, before)

    async def tick(self) -> list[str]:
        before = len(self.published)
        await self.dispatcher.tick()
        for _ in range(5):
            await asyncio.sleep(0)
        return [kind for pid in self.roles for kind in self.kinds(pid, before)]

    def kinds(self, pid: str, since: int = 0) -> list[str]:
        return [e.event_type for e in self.published[since:] if pid in e.recipients]

    def visions(self, pid: str) -> list[str]:
        return [
            str(e.data["text"])
            for e in self.published
            if e.event_type == "hallucination" and pid in e.recipients
        ]


def ids(pid: str) -> dict[str, str]:
    return {
        "player_id": pid,
        "player_name": pid.title(),
        "connection_id": f"c-{pid}",
        "edge_id": "e",
    }


async def make_game(
    mode: RandomEffects = "always", rng: random.Random | None = None, **rules: object
) -> Game:
    bus = InMemoryBus(InMemoryBroker())
    await bus.connect()
    clock = [1_000_000.0]
    roster = Roster()
    links = Links()
    sequencer = Sequencer()
    publisher = EventPublisher(bus, roster, links, sequencer)
    sessions = Sessions(
        WORLD,
        roster,
        links,
        sequencer,
        publisher,
        PersistenceClient(bus, timeout=1.0, attempts=1),
        SessionTimings(),
        clock=lambda: clock[0],
    )
    dispatcher = Dispatcher(
        WORLD,
        roster,
        publisher,
        sessions,
        rules=replace(Rules(), lucidity_random_effects=mode, **rules),  # type: ignore[arg-type]
        clock=lambda: clock[0],
        rng=rng or random.Random(3),
    )
    game = Game(dispatcher, bus, roster, clock)

    async def spy(delivery: Delivery) -> None:
        game.published.extend(EventEnvelope.model_validate_json(delivery.body).carried())

    async def persistence(delivery: Delivery) -> None:
        request = LoadPlayerRequest.model_validate_json(delivery.body)
        reply = LoadPlayerReply(
            player_id=request.player_id, name=request.name, room_id=None, version=0
        )
        await bus.reply(delivery, reply.model_dump_json().encode())

    async def saved(delivery: Delivery) -> None:
        pass

    await bus.declare_queue("spy", exclusive=True, dead_letter=False)
    await bus.bind("spy", EVENTS_EXCHANGE, "#")
    await bus.consume("spy", spy)
    await bus.consume(PERSISTENCE_REQUESTS_QUEUE, persistence)
    await bus.consume(PERSISTENCE_SAVES_QUEUE, saved)
    return game


@pytest.fixture
async def game() -> Game:
    g = await make_game()
    yield g  # type: ignore[misc]
    await g.bus.close()


def _fight(game: Game, pid: str) -> None:
    """A hooded cultist (no horror: no lucidity cost) in ``pid``'s room."""
    spawn_npc(game.dispatcher.state, WORLD, WORLD.npcs["cultist"], game.player(pid).room_id, tick=0)


async def test_walking_in_uneasy_brings_a_vision_before_the_status_and_the_response(
    game: Game,
) -> None:
    await game.join("ada", UNEASY)
    got = await game.run("ada", "north")
    assert got == ["room_update", "hallucination", "command_response"]
    assert len(game.visions("ada")) == 1 and game.visions("ada")[0] in TEXTS
    await game.join("bob", LUCID)
    assert await game.run("bob", "north") == ["room_update", "command_response"]


async def test_fleeing_uneasy_brings_a_vision() -> None:
    game = await make_game(flee_chance=1.0)
    await game.join("ada", UNEASY)
    _fight(game, "ada")
    await game.run("ada", "attack cultist")
    assert game.visions("ada") == []
    got = await game.run("ada", "flee")
    assert got[-4:] == ["room_update", "hallucination", "status_update", "command_response"]
    assert game.player("ada").room_id != START and len(game.visions("ada")) == 1
    await game.bus.close()


async def test_an_admin_moving_an_uneasy_mind_brings_a_vision(game: Game) -> None:
    await game.join("boss", LUCID, role="admin")
    await game.join("ada", UNEASY)
    await game.join("cy", UNEASY, role="admin")
    await game.run("boss", "teleport ada miskatonic-quad")
    assert game.player("ada").room_id == QUAD and len(game.visions("ada")) == 1
    assert game.visions("boss") == []
    await game.run("boss", "summon ada")
    assert game.player("ada").room_id == START and len(game.visions("ada")) == 2
    assert await game.run("cy", "goto miskatonic-quad") == [
        "room_update",
        "hallucination",
        "command_response",
    ]
    await game.run("boss", "goto miskatonic-quad")
    assert game.visions("boss") == []  # a lucid admin sees nothing


async def test_a_dead_mind_sees_nothing_until_it_respawns(game: Game) -> None:
    await game.join("boss", LUCID, role="admin")
    await game.join("ada", UNEASY)
    await game.run("boss", "setstat ada dp -10")
    assert game.player("ada").character.condition == "dead"
    await game.run("boss", "teleport ada miskatonic-quad")
    assert game.visions("ada") == []  # carried, not walking in
    got = await game.run("ada", "respawn")
    assert got[-4:] == ["room_update", "hallucination", "status_update", "command_response"]
    assert game.player("ada").room_id == WORLD.respawn_room


async def test_the_automatic_respawn_on_the_tick_brings_a_vision() -> None:
    game = await make_game(auto_respawn_seconds=5.0)
    await game.join("boss", LUCID, role="admin")
    await game.join("ada", UNEASY)
    await game.run("boss", "setstat ada dp -10")
    await game.tick()  # the death is noted
    game.clock[0] += 10
    got = await game.tick()
    assert game.player("ada").room_id == WORLD.respawn_room
    assert ["room_update", "hallucination", "status_update"] == [
        k for k in got if k in ("room_update", "hallucination", "status_update")
    ]
    await game.bus.close()


async def test_the_chance_is_ten_percent_per_entry_with_the_seeded_random() -> None:
    # The first entry draws 0.05 (under 0.10: a vision), the second 0.15 (none).
    game = await make_game("on", Draws(0.05, 0.15))
    await game.join("ada", UNEASY)
    await game.run("ada", "north")
    await game.run("ada", "south")
    assert len(game.visions("ada")) == 1
    await game.bus.close()


async def test_no_vision_when_chance_effects_are_off() -> None:
    game = await make_game("never")
    await game.join("ada", UNEASY)
    await game.run("ada", "north")
    assert game.visions("ada") == []
    await game.bus.close()


# -- the domain's part: the roster records entries, the rules roll them ----------------


def _player(pid: str, lucidity: int) -> Player:
    player = Player(pid, pid.title(), START, 1)
    player.character.lucidity = lucidity
    return player


def test_the_roster_records_each_room_entry_but_not_entering_the_world() -> None:
    roster = Roster()
    ada = _player("a", UNEASY)
    roster.add(ada)
    roster.move(ada, QUAD)
    roster.move(ada, START)
    roster.switch(ada, standard_investigator("a2", "a", "Ann"), QUAD)  # ``play``
    assert roster.take_arrivals() == ["a", "a"]
    assert roster.take_arrivals() == []


def test_only_an_uneasy_living_mind_may_see_something_once_per_entry() -> None:
    ada, bob, cy, dee = (
        _player("a", UNEASY),
        _player("b", LUCID),
        _player("c", 30),
        _player("d", UNEASY),
    )
    dee.character.dp = -10
    assert (cy.character.tier, dee.character.condition) == ("fractured", "dead")
    rng = random.Random(4)
    seen = hallucinations.on_arrivals([ada, bob, cy, dee, ada], rng, "always")
    # Fractured and deranged minds see on the game clock instead.
    assert [e.audience for e in seen] == [ToPlayer("a"), ToPlayer("a")]
    assert all(isinstance(e.data, HallucinationData) for e in seen)
    assert hallucinations.on_arrivals([ada], rng, "never") == []
