"""Aliases: defining, listing, removing, their limits, and server-side expansion."""

from __future__ import annotations

from pathlib import Path

import pytest
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.commands.base import Context, Outcome
from mythos_game.domain.commands.registry import COMMANDS, Parsed, parse, resolve
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import Rules

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")


@pytest.fixture
def alice() -> Player:
    return Player("id-alice", "Alice", WORLD.start_room, 1)


def run(player: Player, command: str, *args: str, rules: Rules | None = None) -> Outcome:
    roster = Roster()
    roster.add(player)
    parsed = parse(command, list(args))
    assert parsed is not None
    return parsed.spec.run(
        Context(WORLD, roster, player, COMMANDS, rules=rules or Rules()), parsed.args
    )


def expanded(player: Player, command: str, *args: str) -> Parsed | str:
    return resolve(command, list(args), player.aliases, Rules().max_alias_depth)


def test_define_use_list_and_remove(alice: Player) -> None:
    outcome = run(alice, "alias", "GQ", "go", "north")
    assert outcome.success and outcome.state_changed
    assert "'gq' now means: go north" in outcome.text
    assert alice.aliases == {"gq": "go north"} and alice.version == 2

    parsed = expanded(alice, "gq")
    assert isinstance(parsed, Parsed) and parsed.spec.name == "go" and parsed.args == ["north"]
    parsed = expanded(alice, "/GQ")
    assert isinstance(parsed, Parsed) and parsed.spec.name == "go"

    assert run(alice, "alias", "gq").text == "gq = go north"
    listing = run(alice, "aliases").text
    assert "Your aliases (1 of 50):" in listing and "gq = go north" in listing

    removed = run(alice, "unalias", "gq")
    assert removed.success and removed.state_changed and alice.aliases == {}
    assert alice.version == 3
    assert not run(alice, "unalias", "gq").success
    assert "no aliases" in run(alice, "aliases").text
    assert expanded(alice, "gq") == "Unknown command 'gq'. Type 'help' for the list."


def test_words_after_an_alias_follow_its_expansion(alice: Player) -> None:
    run(alice, "alias", "hi", "say", "Good", "evening,")
    parsed = expanded(alice, "hi", "Bob.")
    assert isinstance(parsed, Parsed)
    assert parsed.spec.name == "say" and parsed.args == ["Good", "evening,", "Bob."]


def test_an_alias_may_use_shorthands_and_other_aliases(alice: Player) -> None:
    assert run(alice, "alias", "hi", "'Evening").success
    assert run(alice, "alias", "greet", "hi").success
    assert run(alice, "alias", "wave", ":waves.").success
    parsed = expanded(alice, "greet", "all")
    assert isinstance(parsed, Parsed) and parsed.spec.name == "say"
    assert parsed.args == ["Evening", "all"]
    parsed = expanded(alice, "wave")
    assert isinstance(parsed, Parsed) and parsed.spec.name == "emote"


def test_redefining_replaces_and_the_same_again_changes_nothing(alice: Player) -> None:
    run(alice, "alias", "gq", "go", "north")
    same = run(alice, "alias", "gq", "go", "north")
    assert same.success and not same.state_changed and alice.version == 2
    changed = run(alice, "alias", "gq", "go", "south")
    assert changed.state_changed and alice.aliases["gq"] == "go south"


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["say", "look"], "already a command"),
        (["n", "look"], "already a command"),
        (["'x", "look"], "a letter, then"),
        (["9lives", "look"], "a letter, then"),
        (["a" * 21, "look"], "at most 20 characters"),
        (["x", "xyzzy"], "neither a command nor one of your aliases"),
        (["x", "say", "y" * 200], "at most 200 characters"),
        (["x", "x"], "neither a command"),
    ],
)
def test_definitions_that_are_refused(alice: Player, args: list[str], reason: str) -> None:
    outcome = run(alice, "alias", *args)
    assert not outcome.success and reason in outcome.text, outcome.text
    assert alice.aliases == {} and alice.version == 1


def test_an_alias_can_never_call_itself(alice: Player) -> None:
    run(alice, "alias", "a", "look")
    run(alice, "alias", "b", "a")
    refused = run(alice, "alias", "a", "b")
    assert not refused.success and "calling itself" in refused.text
    assert alice.aliases["a"] == "look"


def test_aliases_nest_three_deep_at_most(alice: Player) -> None:
    assert run(alice, "alias", "a1", "look").success
    assert run(alice, "alias", "a2", "a1").success
    assert run(alice, "alias", "a3", "a2").success
    refused = run(alice, "alias", "a4", "a3")
    assert not refused.success and "more than 3 aliases deep" in refused.text
    parsed = expanded(alice, "a3")
    assert isinstance(parsed, Parsed) and parsed.spec.name == "look"


def test_expansion_stops_at_the_depth_even_for_a_stored_loop(alice: Player) -> None:
    alice.aliases = {"a": "b", "b": "a"}  # cannot be made with 'alias'; stored data may be odd
    assert "more than 3 aliases deep" in str(expanded(alice, "a"))


def test_at_most_so_many_aliases(alice: Player) -> None:
    rules = Rules(max_aliases=2)
    assert run(alice, "alias", "a", "look", rules=rules).success
    assert run(alice, "alias", "b", "look", rules=rules).success
    refused = run(alice, "alias", "c", "look", rules=rules)
    assert not refused.success and "the most allowed" in refused.text
    assert run(alice, "alias", "a", "who", rules=rules).success, "redefining is fine"


def test_builtins_win_over_an_alias_of_the_same_name(alice: Player) -> None:
    alice.aliases = {"look": "say shadowed"}  # e.g. a command added after the alias
    parsed = expanded(alice, "look")
    assert isinstance(parsed, Parsed) and parsed.spec.name == "look"


def test_usage_refusals(alice: Player) -> None:
    assert not run(alice, "alias").success
    assert "no alias 'zz'" in run(alice, "alias", "zz").text
    assert not run(alice, "unalias").success
