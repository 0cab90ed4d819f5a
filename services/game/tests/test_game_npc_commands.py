"""Commands about NPCs as pure rules: an admin's ``spawn`` and ``look <creature>``."""
# ruff: noqa: RUF001 - the designed texts use the multiplication sign

from __future__ import annotations

from pathlib import Path

from mythos_contracts.events import ItemEventData, NpcPresenceData
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.commands.base import Context, Outcome
from mythos_game.domain.commands.registry import COMMANDS, parse
from mythos_game.domain.game_state import GameState
from mythos_game.domain.links import ADMIN_ROLE, PLAYER_ROLE
from mythos_game.domain.npc_life import npcs_in
from mythos_game.domain.outgoing import ToRoom
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.views import room_view

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
START = WORLD.start_room


def _run(state: GameState, roster: Roster, actor: Player, line: str, role: str) -> Outcome:
    command, *args = line.split()
    parsed = parse(command, args)
    assert parsed is not None
    ctx = Context(WORLD, roster, actor, COMMANDS, role=role, state=state, tick=4)
    return parsed.spec.run(ctx, parsed.args)


def _setup() -> tuple[GameState, Roster, Player, Player]:
    roster = Roster()
    admin, bob = Player("id-ada", "Ada", START, 1), Player("id-bob", "Bob", START, 1)
    roster.add(admin)
    roster.add(bob)
    return GameState(), roster, admin, bob


def test_spawn_calls_forth_creatures_that_the_room_sees_arrive() -> None:
    state, roster, admin, _ = _setup()
    outcome = _run(state, roster, admin, "spawn ghoul 2", ADMIN_ROLE)
    assert outcome.success and outcome.text == "You call forth 2 × a ghoul."
    ghouls = npcs_in(state, START)
    assert [g.prototype for g in ghouls] == ["ghoul", "ghoul"] and ghouls[0].origin is None
    assert [e.event_type for e in outcome.events] == ["npc_entered", "npc_entered"]
    data = outcome.events[0].data
    assert isinstance(data, NpcPresenceData) and data.reason == "spawned"
    assert data.text == "A ghoul claws its way up out of the soft earth."
    view = room_view(WORLD, roster, START, state)
    assert [(n.id, n.name) for n in view.npcs] == [(g.id, "a ghoul") for g in ghouls]
    assert view.occupants == ["Ada", "Bob"]  # players only
    assert _run(state, roster, admin, "spawn cultist", ADMIN_ROLE).text == (
        "You call forth a hooded cultist."
    )


def test_spawn_conjures_items_and_refuses_what_does_not_exist() -> None:
    state, roster, admin, bob = _setup()
    outcome = _run(state, roster, admin, "spawn brass-lantern", ADMIN_ROLE)
    assert outcome.text == "You conjure a brass lantern."
    [event] = outcome.events
    assert event.audience == ToRoom(START, frozenset({admin.id}))
    assert isinstance(event.data, ItemEventData) and event.data.text == "A brass lantern appears."
    assert _run(state, roster, admin, "spawn nerve-tonic 3", ADMIN_ROLE).text == (
        "You conjure 3 × a bottle of nerve tonic."
    )
    assert len(state.floor(START)) == 4
    nothing = _run(state, roster, admin, "spawn shoggoth", ADMIN_ROLE)
    assert not nothing.success
    assert nothing.text == "There is no item or creature called 'shoggoth'."
    assert not _run(state, roster, admin, "spawn ghoul 11", ADMIN_ROLE).success
    refused = _run(state, roster, bob, "spawn ghoul", PLAYER_ROLE)
    assert (refused.success, refused.text) == (False, "Only admins may use 'spawn'.")
    assert npcs_in(state, START) == []


def test_look_at_a_creature_and_the_room_lists_the_creatures() -> None:
    state, roster, admin, bob = _setup()
    _run(state, roster, admin, "spawn ghoul", ADMIN_ROLE)
    description = WORLD.npcs["ghoul"].description
    look = _run(state, roster, bob, "look ghoul", PLAYER_ROLE)
    assert (look.success, look.text) == (True, f"a ghoul\n{description}\nIt looks unhurt.")
    assert _run(state, roster, bob, "look gh", PLAYER_ROLE).success
    room = _run(state, roster, bob, "look", PLAYER_ROLE).text
    assert room.splitlines()[-1] == "Creatures: a ghoul"
    missing = _run(state, roster, bob, "look cat", PLAYER_ROLE)
    assert (missing.success, missing.text) == (False, "You see no one called 'cat' here.")
