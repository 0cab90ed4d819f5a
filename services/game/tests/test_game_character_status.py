"""The in-world character, its status, the one status_update per command, and what a
character's state allows (pure rules)."""

from __future__ import annotations

from pathlib import Path

from mythos_contracts.events import StatusUpdateData
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.characters import (
    CharacterNames,
    condition_of,
    standard_investigator,
    tier_of,
)
from mythos_game.domain.commands.base import Context, Outcome
from mythos_game.domain.commands.registry import COMMANDS, parse
from mythos_game.domain.conditions import refusal
from mythos_game.domain.outgoing import ToPlayer
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.status import StatusLedger
from mythos_game.service_layer.stored_state import next_version

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
START = WORLD.start_room


def test_the_standard_investigator() -> None:
    ada = standard_investigator("a1", "a1", "Ada")
    status = ada.status()
    assert dict(ada.characteristics) == {k: 50 for k in ada.characteristics}
    assert ada.profession == "drifter"
    assert (status.dp, status.max_dp, status.mp, status.max_mp) == (20, 20, 10, 10)
    assert (status.lucidity, status.max_lucidity, status.tier) == (100, 100, "lucid")
    assert (status.condition, status.in_combat, status.xp) == ("healthy", False, 0)


def test_tiers_and_conditions_follow_the_numbers() -> None:
    assert [tier_of(v) for v in (100, 70, 69, 40, 39, 20, 19, 1, 0, -100)] == [
        "lucid",
        "lucid",
        "uneasy",
        "uneasy",
        "fractured",
        "fractured",
        "deranged",
        "deranged",
        "catatonic",
        "catatonic",
    ]
    assert [condition_of(v) for v in (20, 1, 0, -9, -10)] == [
        "healthy",
        "healthy",
        "bleeding",
        "bleeding",
        "dead",
    ]


def test_new_characteristics_recompute_the_maxima_and_clamp() -> None:
    ada = standard_investigator("a1", "a1", "Ada")
    ada.set_characteristics({**ada.characteristics, "con": 20, "pow": 21})
    assert (ada.max_dp, ada.dp, ada.max_mp, ada.mp) == (14, 14, 5, 5)
    ada.set_characteristics({**ada.characteristics, "con": 90})
    assert (ada.max_dp, ada.dp) == (28, 14)  # the maximum rises, DP does not


def test_one_status_update_per_character_with_net_changes_and_every_text() -> None:
    ada = standard_investigator("a1", "acct", "Ada")
    ledger = StatusLedger()
    ledger.note(ada, "encounter", "The sight of a ghoul claws at your reason. (-70 lucidity)")
    ada.lucidity -= 70
    ledger.note(ada, "combat")
    ada.dp -= 3
    ledger.note(ada, "ambience", "This place steadies you. (+1 lucidity)")
    ada.lucidity += 1
    assert ledger.changed() == [ada]
    (event,) = ledger.events()
    assert event.audience == ToPlayer("acct")
    data = event.data
    assert isinstance(data, StatusUpdateData)
    assert data.changes == {"dp": -3, "lucidity": -69}
    assert data.reason == "encounter"
    assert data.tier_changed is not None
    assert data.tier_changed.model_dump() == {"from": "lucid", "to": "fractured"}
    assert data.text == (
        "The sight of a ghoul claws at your reason. (-70 lucidity)\n"
        "This place steadies you. (+1 lucidity)\n"
        "The edges of the world blur and whisper; your mind is fractured."
    )
    assert ledger.events() == []  # emptied


def test_a_requested_status_changes_nothing_and_has_no_text() -> None:
    ada = standard_investigator("a1", "a1", "Ada")
    ledger = StatusLedger()
    ledger.note(ada, "requested")
    assert ledger.changed() == []
    (event,) = ledger.events()
    assert isinstance(event.data, StatusUpdateData)
    assert (event.data.changes, event.data.text, event.data.tier_changed) == ({}, None, None)


def _run(actor: Player, command: str, *args: str) -> tuple[Outcome, Context]:
    roster = Roster()
    roster.add(actor)
    parsed = parse(command, list(args))
    assert parsed is not None
    ctx = Context(WORLD, roster, actor, COMMANDS)
    return parsed.spec.run(ctx, parsed.args), ctx


def test_status_answers_with_the_sheet_and_one_requested_update() -> None:
    ada = Player("a1", "Ada", START, 1)
    for word in ("status", "score", "sheet"):
        outcome, ctx = _run(ada, word)
        assert outcome.success
        assert outcome.text.splitlines() == [
            "Ada, drifter",
            "STR 50  CON 50  SIZ 50  DEX 50  CHA 50  INT 50  POW 50  EDU 50  LUCK 50",
            "Determination 20/20  Magic 10/10  Lucidity 100/100 (lucid)",
            "Condition: healthy  Experience: 0",
            "Not fighting.",
        ]
        (event,) = ctx.status.events()
        assert event.event_type == "status_update"
        assert isinstance(event.data, StatusUpdateData) and event.data.reason == "requested"


def _allowed(command: str, **state: object) -> str | None:
    ada = standard_investigator("a1", "a1", "Ada")
    for name, value in state.items():
        setattr(ada, name, value)
    spec = COMMANDS.find(command)
    assert spec is not None
    return refusal(ada, spec.allowed_when, spec.fighting_refusal)


def test_what_each_state_allows() -> None:
    bleeding = "You are bleeding and can barely move. Someone must 'aid' you."
    dead = "You are dead. Type 'respawn' to return to the living."
    catatonic = "Your body will not answer you. Someone must 'ground' you."
    assert _allowed("go") is None and _allowed("pose") is None
    assert _allowed("go", in_combat=True) == "You are fighting! Flee first."
    assert _allowed("quit", in_combat=True) == "You cannot quit in the middle of a fight."
    assert _allowed("say", in_combat=True) is None
    for command in ("help", "who", "whoami", "status", "look", "say", "whisper", "quit"):
        assert _allowed(command, dp=0) is None, command
    assert _allowed("go", dp=-3) == bleeding and _allowed("pose", dp=0) == bleeding
    for command in ("help", "who", "whoami", "status", "look", "quit"):
        assert _allowed(command, dp=-10) is None, command
    assert _allowed("say", dp=-10) == dead and _allowed("go", dp=-10) == dead
    for command in ("help", "who", "whoami", "status", "quit"):
        assert _allowed(command, lucidity=0) is None, command
    assert _allowed("look", lucidity=0) == catatonic and _allowed("say", lucidity=-5) == catatonic
    # Dead and catatonic: the first state that refuses speaks.
    assert _allowed("go", dp=-10, lucidity=0) == dead


def test_help_shows_when_a_command_may_be_used() -> None:
    go = COMMANDS.find("go")
    status = COMMANDS.find("status")
    assert go is not None and status is not None
    assert "Usable only when healthy and not fighting." in go.help_text()
    assert "Usable while fighting, bleeding, dead or catatonic." in status.help_text()


def test_names_are_unique_in_any_case_and_first_logins_take_a_free_variant() -> None:
    names = CharacterNames({"Ada": "c1", "ada1": "c2"})
    assert names.taken("ADA") and names.owner("aDa1") == "c2"
    assert names.first_free("Ada", "acct") == "Ada2"
    assert names.first_free("Ada", "c1") == "Ada"  # its own name
    names.free("Ada", "c1")
    assert names.first_free("Ada", "acct") == "Ada"


def test_character_versions_rise_above_the_wall_clock_and_always_by_one_at_least() -> None:
    # A game that reloads version v while v + 1 is still queued never issues its own v + 1.
    assert next_version(5, now=1_700_000_000.0) == 1_700_000_000_000
    assert next_version(1_700_000_000_000, now=1_700_000_000.0) == 1_700_000_000_001
    assert next_version(5, now=0.0) == 6
