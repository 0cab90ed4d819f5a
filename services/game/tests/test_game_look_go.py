"""look (room, direction, player) and go (refusals, locked, hidden and one-way exits)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.commands.base import Context, Outcome
from mythos_game.domain.commands.registry import COMMANDS, parse
from mythos_game.domain.outgoing import ToPlayer, ToRoom
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.views import describe_room, room_view
from mythos_game.domain.world import World

SHIPPED = Path(__file__).resolve().parents[1] / "world"


def _room(rid: str, name: str, **exits: Any) -> dict[str, Any]:
    return {"id": rid, "name": name, "description": f"The {rid} description.", "exits": exits}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """hall: north yard, up attic (locked), east closet (hidden), down pit (one way)."""
    tmp = tmp_path_factory.mktemp("world")
    (tmp / "world.json").write_text(json.dumps({"start_room": "hall"}))
    rooms = [
        _room(
            "hall",
            "The Hall",
            north="yard",
            up={"target": "attic", "flags": ["locked"]},
            east={"target": "closet", "flags": ["hidden"]},
            down={"target": "pit", "flags": ["one_way"]},
        ),
        _room("yard", "Yard", south="hall"),
        _room("attic", "Attic", down="hall"),
        _room("closet", "Closet", west="hall"),
        _room("pit", "Pit", north={"target": "yard", "flags": ["one_way"]}),
    ]
    (tmp / "house.json").write_text(
        json.dumps(
            {
                "zone": {"id": "house", "name": "The House"},
                "subzone": {"id": "ground", "name": "Ground Floor"},
                "rooms": rooms,
            }
        )
    )
    return load_world(tmp)


@pytest.fixture(scope="module")
def shipped() -> World:
    return load_world(SHIPPED)


def _setup(world: World, *names: str, room: str | None = None) -> tuple[Roster, list[Player]]:
    roster = Roster()
    people = [Player(f"id-{n}", n, room or world.start_room, 1) for n in names]
    for p in people:
        roster.add(p)
    return roster, people


def _run(world: World, roster: Roster, actor: Player, command: str, *args: str) -> Outcome:
    parsed = parse(command, list(args))
    assert parsed is not None, command
    return parsed.spec.run(Context(world, roster, actor, COMMANDS), parsed.args)


def _quiet(outcome: Outcome) -> None:
    assert not outcome.events and not outcome.state_changed


# --- the room view ------------------------------------------------------------------


def test_room_view_lists_locked_and_one_way_exits_but_not_hidden_ones(world: World) -> None:
    roster, _ = _setup(world, "Alice")
    view = room_view(world, roster, "hall")
    assert view.exits == {"north": "yard", "up": "attic", "down": "pit"}
    assert view.occupants == ["Alice"]


def test_describe_room_marks_locked_exits_and_names_the_zone(world: World) -> None:
    roster, _ = _setup(world, "Bob", "alice")
    text = describe_room(room_view(world, roster, "hall"), world.room("hall"))
    assert text.splitlines() == [
        "The Hall [The House, Ground Floor]",
        "The hall description.",
        "Exits: north, up (locked), down",
        "Here: alice, Bob",
    ]


def test_describe_room_without_the_room_still_works(world: World) -> None:
    roster, _ = _setup(world, "Alice")
    text = describe_room(room_view(world, roster, "yard"))
    assert text.splitlines()[0] == "Yard" and "Exits: south" in text


# --- look -----------------------------------------------------------------------------


def test_look_describes_the_room(world: World) -> None:
    roster, (alice, _bob) = _setup(world, "Alice", "Bob")
    for word in ("look", "l", "LOOK"):
        outcome = _run(world, roster, alice, word)
        assert outcome.success
        assert "Exits: north, up (locked), down" in outcome.text
        assert "east" not in outcome.text
        assert "Here: Alice, Bob" in outcome.text
        _quiet(outcome)


def test_look_in_a_direction_names_the_room_that_way(world: World) -> None:
    roster, (alice,) = _setup(world, "Alice")
    assert _run(world, roster, alice, "look", "north").text == "To the north lies Yard."
    assert _run(world, roster, alice, "look", "N").text == "To the north lies Yard."
    assert _run(world, roster, alice, "look", "at", "north").text == "To the north lies Yard."
    assert _run(world, roster, alice, "look", "d").text == "Below lies Pit."
    outcome = _run(world, roster, alice, "look", "up")
    assert outcome.success and outcome.text == "Above lies Attic. The way up is locked."
    _quiet(outcome)


def test_look_toward_a_room_called_the_something_reads_naturally(world: World) -> None:
    roster, (alice,) = _setup(world, "Alice", room="yard")
    assert _run(world, roster, alice, "look", "south").text == "To the south lies the Hall."


def test_look_where_there_is_no_exit_is_refused_and_a_hidden_exit_looks_the_same(
    world: World,
) -> None:
    roster, (alice,) = _setup(world, "Alice")
    missing = _run(world, roster, alice, "look", "west")
    hidden = _run(world, roster, alice, "look", "east")
    assert not missing.success and missing.text == "You see no way west from here."
    assert not hidden.success and hidden.text == missing.text.replace("west", "east")
    assert "Closet" not in hidden.text
    _quiet(hidden)


def test_look_at_a_player_in_the_room(world: World) -> None:
    roster, (alice, _bob) = _setup(world, "Alice", "Bob")
    for typed in (["Bob"], ["bob"], ["at", "BOB"]):
        outcome = _run(world, roster, alice, "look", *typed)
        assert outcome.success, typed
        assert outcome.text.splitlines()[0] == "Bob"
        _quiet(outcome)


def test_look_at_a_player_shows_their_pose_when_there_is_one(world: World) -> None:
    roster, (alice, bob) = _setup(world, "Alice", "Bob")
    plain = _run(world, roster, alice, "look", "Bob").text
    bob.pose = "Bob leans on the banister, reading a water-stained letter."  # type: ignore[attr-defined]
    posed = _run(world, roster, alice, "look", "Bob").text
    assert posed == "Bob\nBob leans on the banister, reading a water-stained letter."
    assert posed != plain
    bob.pose = "   "  # type: ignore[attr-defined]
    assert _run(world, roster, alice, "look", "Bob").text == plain


def test_look_at_yourself(world: World) -> None:
    roster, (alice,) = _setup(world, "Alice")
    for word in ("me", "self", "Alice"):
        outcome = _run(world, roster, alice, "look", word)
        assert outcome.success and outcome.text.startswith("Alice (you)"), word


def test_look_at_someone_who_is_not_here_is_refused(world: World) -> None:
    roster, (alice,) = _setup(world, "Alice")
    carol = Player("id-carol", "Carol", "yard", 1)
    roster.add(carol)
    outcome = _run(world, roster, alice, "look", "Carol")
    assert not outcome.success and outcome.text == "You see no one called 'Carol' here."
    assert not _run(world, roster, alice, "look", "nobody").success
    assert "Look at what" in _run(world, roster, alice, "look", "at").text


# --- go -------------------------------------------------------------------------------


def test_go_through_an_open_exit_tells_both_rooms_and_describes_the_new_one(
    world: World,
) -> None:
    roster, (alice, bob) = _setup(world, "Alice", "Bob", room="yard")
    outcome = _run(world, roster, alice, "go", "south")
    assert outcome.success and outcome.state_changed
    assert alice.room_id == "hall" and bob.room_id == "yard"
    assert outcome.text.startswith("You go south.\nThe Hall [The House, Ground Floor]")
    assert "up (locked)" in outcome.text
    assert [(e.event_type, e.audience, e.room_id) for e in outcome.events] == [
        ("player_left", ToRoom("yard", frozenset({alice.id})), "yard"),
        ("player_entered", ToRoom("hall", frozenset({alice.id})), "hall"),
        ("room_update", ToPlayer(alice.id), "hall"),
    ]
    update = outcome.events[2].data.model_dump()
    assert update["room"]["exits"] == {"north": "yard", "up": "attic", "down": "pit"}


def test_go_without_an_exit_is_refused(world: World) -> None:
    roster, (alice,) = _setup(world, "Alice")
    outcome = _run(world, roster, alice, "west")
    assert not outcome.success and outcome.text == "You cannot go west from here."
    assert alice.room_id == "hall" and alice.version == 1
    _quiet(outcome)


def test_go_through_a_hidden_exit_is_refused_exactly_like_no_exit(world: World) -> None:
    roster, (alice,) = _setup(world, "Alice")
    outcome = _run(world, roster, alice, "go", "east")
    assert not outcome.success and outcome.text == "You cannot go east from here."
    assert alice.room_id == "hall"
    _quiet(outcome)


def test_go_through_a_locked_exit_is_refused(world: World) -> None:
    roster, (alice,) = _setup(world, "Alice")
    for typed in (("go", "up"), ("u",), ("walk", "UP")):
        outcome = _run(world, roster, alice, *typed)
        assert not outcome.success and outcome.text == "The way up is locked.", typed
        _quiet(outcome)
    assert alice.room_id == "hall" and alice.version == 1


def test_one_way_exits_work_forwards_only(world: World) -> None:
    roster, (alice,) = _setup(world, "Alice")
    assert _run(world, roster, alice, "down").success
    assert alice.room_id == "pit"
    back = _run(world, roster, alice, "up")
    assert not back.success and back.text == "You cannot go up from here."
    assert _run(world, roster, alice, "north").success
    assert alice.room_id == "yard" and alice.version == 3


# --- the shipped world ----------------------------------------------------------------


def test_in_the_shipped_world_north_of_the_square_is_the_quad(shipped: World) -> None:
    roster, (alice,) = _setup(shipped, "Alice")
    assert _run(shipped, roster, alice, "look", "north").text == (
        "To the north lies Miskatonic University Quad."
    )
    assert _run(shipped, roster, alice, "north").success
    refused = _run(shipped, roster, alice, "go", "west")
    assert not refused.success and refused.text == "You cannot go west from here."


def test_the_shipped_world_has_locked_and_hidden_ways(shipped: World) -> None:
    roster, (alice,) = _setup(shipped, "Alice", room="orne-library")
    assert "down (locked)" in _run(shipped, roster, alice, "look").text
    assert _run(shipped, roster, alice, "down").text == "The way down is locked."
    roster, (bob,) = _setup(shipped, "Bob", room="curiosity-shop")
    assert _run(shipped, roster, bob, "down").text == "You cannot go down from here."
    assert "down" not in room_view(shipped, roster, "curiosity-shop").exits
