"""roll, professions, create, characters, play, chardelete and setstat as pure rules."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from mythos_contracts.events import (
    CharacterListData,
    CharacterRollData,
    CombatEventData,
    StatusUpdateData,
)
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.character import Characteristics
from mythos_game.domain.characters import CharacterNames
from mythos_game.domain.combat import Fight, Fighter
from mythos_game.domain.commands.base import Context, Outcome
from mythos_game.domain.commands.registry import COMMANDS, parse
from mythos_game.domain.game_state import GameState
from mythos_game.domain.npc_life import spawn_npc
from mythos_game.domain.outgoing import ToPlayer
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import ChatLimiter, Rules

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
START = WORLD.start_room
KEYS = ("str", "con", "siz", "dex", "cha", "int", "pow", "edu", "luck")


def chars(**values: int) -> Characteristics:
    return Characteristics({k: values.get(k, 50) for k in KEYS})


@dataclass
class Links:
    admins: set[str] = field(default_factory=set)

    def linkdead(self, player_id: str) -> bool:
        return False

    def role(self, player_id: str) -> str:
        return "admin" if player_id in self.admins else "player"


@dataclass
class Table:
    """A world with players, and what commands share between runs."""

    roster: Roster = field(default_factory=Roster)
    names: CharacterNames = field(default_factory=lambda: CharacterNames({}))
    rolls: dict[str, Characteristics] = field(default_factory=dict)
    limiter: ChatLimiter = field(default_factory=ChatLimiter)
    state: GameState = field(default_factory=GameState)
    links: Links = field(default_factory=Links)
    rules: Rules = field(default_factory=Rules)
    last: Context | None = None

    def join(self, pid: str, name: str) -> Player:
        player = Player(pid, name, START, 1)
        self.roster.add(player)
        self.names.take(name, pid)
        return player

    def run(self, actor: Player, command: str, *args: str, now: float = 0.0) -> Outcome:
        parsed = parse(command, list(args))
        assert parsed is not None
        self.last = Context(
            WORLD,
            self.roster,
            actor,
            COMMANDS,
            now=now,
            rules=self.rules,
            limiter=self.limiter,
            role=self.links.role(actor.id),
            links=self.links,
            rng=random.Random(7),
            names=self.names,
            pending_rolls=self.rolls,
            state=self.state,
        )
        return parsed.spec.run(self.last, parsed.args)


def test_roll_sends_the_roll_and_keeps_it_pending() -> None:
    t = Table()
    ada = t.join("a", "Ada")
    outcome = t.run(ada, "roll")
    assert outcome.success
    (event,) = outcome.events
    data = event.data
    assert event.event_type == "character_roll" and isinstance(data, CharacterRollData)
    rolled = t.rolls["a"]
    assert data.characteristics.as_dict() == dict(rolled)
    assert data.method == "3d6"
    values = " ".join(f"{k.upper()} {rolled[k]}" for k in KEYS)
    assert outcome.text.splitlines()[0] == f"You roll (3d6): {values}"
    assert data.professions[0] == "drifter"
    assert (data.derived.max_dp, data.derived.max_lucidity) == (
        (rolled["con"] + rolled["siz"]) // 5,
        100,
    )
    assert t.run(ada, "roll", "4d6").success and t.rolls["a"] is not rolled
    refusal = t.run(ada, "roll", "2d10")
    assert not refusal.success and refusal.text == "Unknown method '2d10'. Methods: 3d6, 4d6."


def test_roll_is_rate_limited() -> None:
    t = Table(rules=Rules(rolls_per_minute=2))
    ada = t.join("a", "Ada")
    assert t.run(ada, "roll", now=0).success and t.run(ada, "roll", now=1).success
    refused = t.run(ada, "roll", now=10)
    assert refused.text == "You are rolling too fast; try again in 50 seconds."
    assert t.run(ada, "roll", now=61).success


def test_professions_lists_needs_and_changes() -> None:
    t = Table()
    text = t.run(t.join("a", "Ada"), "professions").text.splitlines()
    assert text[0] == (
        "Professions (requirements are checked against your roll; changes apply when you create):"
    )
    assert text[2].startswith("  professor - needs INT 60, EDU 65; EDU +5, INT +5, DEX -5. ")
    assert text[1].startswith("  drifter - no requirements; no changes. ")


def test_create_checks_in_order_then_makes_the_character() -> None:
    t = Table()
    ada = t.join("a", "Ada")
    t.join("b", "Bob")
    assert t.run(ada, "create", "Ada_W", "professor").text == (
        "You have no roll to keep. Type 'roll' first."
    )
    t.rolls["a"] = chars(int=55, edu=60, dex=40)
    for args, text in [
        (
            ("9lives", "drifter"),
            "A character's name is a letter, then 2 to 19 letters, digits or '_'.",
        ),
        (("bOB", "drifter"), "The name 'bOB' is already taken."),
        (("Ada", "drifter"), "The name 'Ada' is already taken."),
        (
            ("Ada_W", "plumber"),
            "There is no profession called 'plumber'. Type 'professions' for the list.",
        ),
        (
            ("Ada_W", "professor"),
            "Your roll does not meet the Professor's requirements: INT 60 (you rolled 55), "
            "EDU 65 (you rolled 60).",
        ),
    ]:
        outcome = t.run(ada, "create", *args)
        assert not outcome.success and outcome.text == text, args
    t.rolls["a"] = chars(int=60, edu=95, dex=40)
    made = t.run(ada, "create", "Ada_W", "professor")
    assert made.success
    assert made.text == "You create Ada_W, a Professor. Type 'play Ada_W' to become them."
    assert "a" not in t.rolls, "the roll is used up"
    (character,) = made.changed_characters
    assert dict(character.characteristics) == dict(chars(int=65, edu=99, dex=35))
    assert (character.profession, character.room_id, character.dp, character.max_dp) == (
        "professor",
        None,
        20,
        20,
    )
    assert ada.character.name == "Ada", "still playing Ada"
    (event,) = made.events
    assert isinstance(event.data, CharacterListData)
    assert [(c.name, c.playing) for c in event.data.characters] == [("Ada", True), ("Ada_W", False)]
    # Idempotent by name: the same create again is refused.
    t.rolls["a"] = chars(int=60, edu=95)
    assert t.run(ada, "create", "ada_w", "professor").text == "The name 'ada_w' is already taken."


def test_a_kit_comes_with_deterministic_ids() -> None:
    t = Table()
    ada = t.join("a", "Ada")
    t.rolls["a"] = chars(str=60)
    made = t.run(ada, "create", "Dock", "dockworker")
    (character,) = made.changed_characters
    assert [(i.id, i.prototype.id) for i in t.state.carried_by(character.id)] == [
        (f"kit-{character.id}-1", "gutting-knife")
    ]


def test_at_most_max_characters() -> None:
    t = Table(rules=Rules(max_characters=2))
    ada = t.join("a", "Ada")
    t.rolls["a"] = chars()
    assert t.run(ada, "create", "Second", "drifter").success
    t.rolls["a"] = chars()
    refused = t.run(ada, "create", "Third", "drifter")
    assert refused.text == (
        "You already have 2 characters. Delete one first with 'chardelete <name> confirm'."
    )


def test_characters_lists_them() -> None:
    t = Table()
    ada = t.join("a", "Ada")
    t.rolls["a"] = chars()
    t.run(ada, "create", "Ada_W", "drifter")
    listing = t.run(ada, "chars")
    assert listing.text.splitlines() == [
        "Your characters (2 of 3):",
        "  Ada - drifter - Independence Square, Downtown Arkham (playing)",
        "  Ada_W - drifter - not yet in the world",
    ]
    assert listing.events[0].event_type == "character_list"


def test_play_refusals_and_the_switch() -> None:
    t = Table()
    ada = t.join("a", "Ada")
    t.rolls["a"] = chars()
    t.run(ada, "create", "Ada_W", "drifter")
    assert t.run(ada, "play", "Nobody").text == "You have no character called 'Nobody'."
    assert t.run(ada, "play", "ada").text == "You are already playing Ada."
    ada.character.dp = 0
    assert t.run(ada, "play", "Ada_W").text == "You cannot step away from Ada now."
    ada.character.dp = 20
    switch = t.run(ada, "ic", "ada_w")
    assert switch.success and switch.text == "You are now playing Ada_W."
    assert switch.switch_to is not None and switch.switch_to.name == "Ada_W"


def test_switching_places_the_new_character_and_keeps_the_old_ones_room() -> None:
    t = Table()
    ada = t.join("a", "Ada")
    t.rolls["a"] = chars()
    t.run(ada, "create", "Ada_W", "drifter")
    old = ada.character
    new = next(c for c in ada.characters.values() if c.name == "Ada_W")
    t.roster.move(ada, "miskatonic-quad")
    t.roster.switch(ada, new, START)
    assert (ada.name, ada.character_id, ada.room_id, new.room_id) == ("Ada_W", new.id, START, START)
    assert old.room_id == "miskatonic-quad"
    assert t.roster.find_by_name("Ada_W") is ada and t.roster.find_by_name("Ada") is None


def test_chardelete() -> None:
    t = Table()
    ada = t.join("a", "Ada")
    t.rolls["a"] = chars()
    t.run(ada, "create", "Ada_W", "drifter")
    assert t.run(ada, "chardelete", "Zed", "confirm").text == "You have no character called 'Zed'."
    assert t.run(ada, "chardelete", "Ada", "confirm").text == (
        "You cannot delete the character you are playing."
    )
    assert t.run(ada, "chardelete", "ada_w").text == (
        "This cannot be undone. Type 'chardelete Ada_W confirm' to delete Ada_W."
    )
    gone = t.run(ada, "chardelete", "ada_w", "confirm")
    assert gone.success and gone.text == "Ada_W is gone. Their name is free again."
    (character,) = gone.changed_characters
    assert character.deleted and character.id not in ada.characters
    assert not t.names.taken("ada_w")
    assert [c.name for c in gone.events[0].data.characters] == ["Ada"]  # type: ignore[attr-defined]


def test_setstat_refusals() -> None:
    t = Table()
    boss = t.join("boss", "Boss")
    t.join("b", "Bob")
    assert t.run(boss, "setstat", "Bob", "lcd", "30").text == "Only admins may use 'setstat'."
    t.links.admins.add("boss")
    for args, text in [
        (("Zed", "lcd", "1"), "There is no one called 'Zed' online."),
        (
            ("Bob", "sanity", "1"),
            (
                "Unknown stat 'sanity'. Stats: str, con, siz, dex, cha, int, pow, edu, luck, dp, "
                "mp, lcd, xp."
            ),
        ),
        (("Bob", "lcd", "x"), "'x' is not a whole number."),
        (("Bob", "lcd", "101"), "lcd must be between -100 and 100."),
        (("Bob", "DP", "21"), "dp must be between -10 and 20."),
        (("Bob", "str", "0"), "str must be between 1 and 99."),
    ]:
        outcome = t.run(boss, "setstat", *args)
        assert not outcome.success and outcome.text == text, args


def test_setstat_changes_through_the_rules_and_tells_the_player() -> None:
    t = Table()
    boss = t.join("boss", "Boss")
    bob = t.join("b", "Bob")
    t.links.admins.add("boss")
    done = t.run(boss, "setstat", "bob", "LCD", "30")
    assert done.success and done.text == "Set Bob's lucidity to 30 (was 100)."
    assert t.last is not None
    (update,) = t.last.status.events()
    data = update.data
    assert isinstance(data, StatusUpdateData)
    assert (data.reason, data.changes, data.status.tier) == (
        "admin",
        {"lucidity": -70},
        "fractured",
    )
    assert data.text == (
        "Boss sets your lucidity to 30 (was 100).\n"
        "The edges of the world blur and whisper; your mind is fractured."
    )
    (line,) = done.events
    assert line.data.text == "[system] Boss adjusts your lucidity."  # type: ignore[attr-defined]

    t.run(boss, "setstat", "Bob", "con", "20")
    assert (bob.character.max_dp, bob.character.dp) == (14, 14)

    fell = t.run(boss, "setstat", "Bob", "dp", "0")
    kinds = [
        (e.event_type, e.data.kind) for e in fell.events if isinstance(e.data, CombatEventData)
    ]  # type: ignore[attr-defined]
    assert kinds == [("combat_event", "fall"), ("combat_event", "fall")]
    assert bob.character.condition == "bleeding"
    died = t.run(boss, "setstat", "Bob", "dp", "-10")
    texts = [e.data.text for e in died.events if isinstance(e.data, CombatEventData)]
    assert texts == ["You have died.", "Bob has died."]
    assert bob.character.condition == "dead"


def test_status_names_whom_you_fight() -> None:
    t = Table()
    ada = t.join("a", "Ada")
    ghoul, _ = spawn_npc(t.state, WORLD, WORLD.npcs["ghoul"], START, tick=0, npc_id="npc-1")
    fight = Fight("cb-1", START, next_round_tick=3)
    fight.fighters[ada.character_id] = Fighter(ada.character_id, "player", 1, target=ghoul.id)
    t.state.fights[fight.id] = fight
    ada.character.in_combat = True
    assert t.run(ada, "status").text.splitlines()[-1] == "Fighting: a ghoul"
    ada.character.in_combat = False
    fight.over = True
    assert t.run(ada, "status").text.splitlines()[-1] == "Not fighting."


def test_setstat_of_a_characteristic_sends_the_new_carrying_limit() -> None:
    t = Table()
    boss = t.join("boss", "Boss")
    t.join("b", "Bob")
    t.links.admins.add("boss")
    done = t.run(boss, "setstat", "Bob", "str", "80")
    update = next(e for e in done.events if e.event_type == "inventory_update")
    assert update.audience == ToPlayer("b")
    assert update.data.inventory.max_weight == 50  # type: ignore[attr-defined]
