"""Pure command rules: a command takes state and arguments and returns events."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.commands.base import Context
from mythos_game.domain.commands.registry import COMMANDS, parse
from mythos_game.domain.outgoing import ToPlayer, ToRoom
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.world import World

WORLD_DIR = Path(__file__).resolve().parents[1] / "world"


@pytest.fixture(scope="module")
def world() -> World:
    return load_world(WORLD_DIR)


def _setup(world: World, *names: str) -> tuple[Roster, list[Player]]:
    roster = Roster()
    people = [Player(f"id-{n}", n, world.start_room, 1) for n in names]
    for p in people:
        roster.add(p)
    return roster, people


def _run(world: World, roster: Roster, actor: Player, command: str, *args: str):  # type: ignore[no-untyped-def]
    parsed = parse(command, list(args))
    assert parsed is not None, command
    return parsed.spec.run(Context(world, roster, actor, COMMANDS), parsed.args)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("n", "north"), ("NORTH", "north"), ("/north", "north"), ("u", "up"), ("ne", "northeast")],
)
def test_direction_words_mean_go(typed: str, expected: str) -> None:
    parsed = parse(typed, [])
    assert parsed is not None and parsed.spec.name == "go" and parsed.args == [expected]


def test_unknown_command_is_none() -> None:
    assert parse("xyzzy", []) is None


def test_say_reaches_the_room_but_not_the_speaker(world: World) -> None:
    roster, (alice, _bob) = _setup(world, "Alice", "Bob")
    outcome = _run(world, roster, alice, "say", "the", "stars", "are", "right")
    assert outcome.text == "You say: the stars are right"
    (event,) = outcome.events
    assert event.event_type == "chat_message"
    assert event.audience == ToRoom(world.start_room, frozenset({alice.id}))
    assert event.data.model_dump()["text"] == "Alice says: the stars are right"


def test_say_keeps_punctuation_as_is(world: World) -> None:
    roster, (alice,) = _setup(world, "Alice")
    outcome = _run(world, roster, alice, "say", "a;b|c", "<i>'\"")
    assert outcome.text == "You say: a;b|c <i>'\""


def test_empty_say_is_refused(world: World) -> None:
    roster, (alice,) = _setup(world, "Alice")
    outcome = _run(world, roster, alice, "say")
    assert not outcome.success and not outcome.events


def test_go_moves_and_tells_both_rooms_but_not_the_mover(world: World) -> None:
    roster, (alice, bob) = _setup(world, "Alice", "Bob")
    origin = alice.room_id
    target = world.room(origin).exits["north"].target
    outcome = _run(world, roster, alice, "go", "north")
    assert outcome.success and outcome.state_changed
    assert alice.room_id == target and alice.version == 2
    assert roster.take_moved() == {alice.id}, "the service layer un-binds the mover's room"
    kinds = {(e.event_type, e.audience) for e in outcome.events}
    assert ("player_left", ToRoom(origin, frozenset({alice.id}))) in kinds
    assert ("player_entered", ToRoom(target, frozenset({alice.id}))) in kinds
    assert ("room_update", ToPlayer(alice.id)) in kinds
    assert [p.name for p in roster.in_room(origin)] == ["Bob"]
    assert bob.room_id == origin


def test_go_refuses_a_missing_exit_and_non_directions(world: World) -> None:
    roster, (alice,) = _setup(world, "Alice")
    assert "cannot go down" in _run(world, roster, alice, "go", "down").text
    assert "not a direction" in _run(world, roster, alice, "go", "sideways").text
    assert "Go where" in _run(world, roster, alice, "go").text
    assert alice.room_id == world.start_room


def test_who_lists_everyone_sorted_with_their_location(world: World) -> None:
    roster, (zed, _amy) = _setup(world, "zed", "Amy")
    text = _run(world, roster, zed, "who").text
    assert text.index("Amy") < text.index("zed")
    assert world.room(world.start_room).name in text


def test_help_is_generated_from_the_definitions(world: World) -> None:
    roster, (alice,) = _setup(world, "Alice")
    listing = _run(world, roster, alice, "help").text
    for spec in COMMANDS.specs:
        # Admin commands are listed to admins only (whole words: "spawn" is in "respawn").
        assert bool(re.search(rf"\b{spec.name}\b", listing)) != spec.admin, spec.name
    detail = _run(world, roster, alice, "help", "say").text
    assert COMMANDS.find("say").usage in detail  # type: ignore[union-attr]
    assert not _run(world, roster, alice, "help", "nonsense").success
