"""who, whoami, help and quit as pure rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mythos_game.adapters.world_files import load_world
from mythos_game.domain.commands.base import Context, Outcome
from mythos_game.domain.commands.registry import COMMANDS, parse
from mythos_game.domain.outgoing import Disconnect
from mythos_game.domain.roster import Player, Roster

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
START = WORLD.start_room


@dataclass
class Links:
    """What the commands see of the players' links: who is an admin, who is link-dead."""

    admins: set[str] = field(default_factory=set)
    dead: set[str] = field(default_factory=set)

    def linkdead(self, player_id: str) -> bool:
        return player_id in self.dead

    def role(self, player_id: str) -> str:
        return "admin" if player_id in self.admins else "player"


def run(
    roster: Roster,
    actor: Player,
    command: str,
    *args: str,
    now: float = 0.0,
    links: Links | None = None,
) -> Outcome:
    """Run as the dispatcher does: the actor's role is their message's (their link's)."""
    links = links or Links()
    parsed = parse(command, list(args))
    assert parsed is not None
    ctx = Context(WORLD, roster, actor, COMMANDS, now=now, role=links.role(actor.id), links=links)
    return parsed.spec.run(ctx, parsed.args)


def people(*players: Player) -> Roster:
    roster = Roster()
    for p in players:
        roster.add(p)
    return roster


def test_who_lists_names_rooms_and_zones_sorted_and_marks() -> None:
    zed = Player("z", "zed", START, 1)
    amy = Player("a", "Amy", "orne-library", 1)
    bo = Player("b", "Bo", START, 1)
    links = Links(admins={amy.id}, dead={bo.id})
    text = run(people(zed, amy, bo), zed, "who", links=links).text
    lines = text.splitlines()
    assert lines[0] == "Players online (3):"
    assert lines[1] == "  Amy [admin] - Orne Library Reading Room, Miskatonic University"
    assert lines[2] == "  Bo (link-dead) - Independence Square, Downtown Arkham"
    assert lines[3] == "  zed - Independence Square, Downtown Arkham"


def test_whoami() -> None:
    alice = Player("a", "Alice", START, 1)
    alice.aliases = {"gq": "go north"}
    alice.pose = "Alice waits."
    alice.muted_until = 90.0
    text = run(people(alice), alice, "whoami", now=0.0, links=Links(admins={alice.id})).text
    assert "You are Alice, an admin." in text
    assert "You stand in Independence Square, Downtown Arkham." in text
    assert "Your pose: Alice waits." in text
    assert "muted for 1 minute 30 seconds more" in text
    assert "You have 1 alias" in text
    bob = Player("b", "Bob", START, 1)
    text = run(people(bob), bob, "whoami").text
    assert "a player" in text and "muted" not in text and "0 aliases" in text


def test_quit_disconnects_cleanly_and_leaves_at_once() -> None:
    alice = Player("a", "Alice", START, 1)
    for word in ("quit", "QUIT", "/quit", "logout"):
        outcome = run(people(alice), alice, word)
        assert outcome.success and "Goodbye" in outcome.text
        assert outcome.disconnects == [Disconnect("a", 1000, "goodbye", leave_world=True)]


def test_help_by_category_and_per_command() -> None:
    alice = Player("a", "Alice", START, 1)
    listing = run(people(alice), alice, "help").text.splitlines()
    categories = [line.split(":")[0].strip() for line in listing[1:]]
    assert categories == sorted(categories)
    assert {"Talking", "World", "People", "Aliases", "Session", "Help"} <= set(categories)
    for name in ("whisper", "alias", "emote", "local", "global"):
        detail = run(people(alice), alice, "help", name).text
        spec = COMMANDS.find(name)
        assert spec is not None and f"Usage: {spec.usage}" in detail
        assert all(example in detail for example in spec.examples)
    assert "say" in run(people(alice), alice, "help", "/SAY").text


def test_every_command_has_usage_summary_and_a_category() -> None:
    for spec in COMMANDS.specs:
        assert spec.usage.startswith(spec.name), spec.name
        assert spec.summary and spec.category, spec.name
