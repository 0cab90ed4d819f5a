"""Chat commands as pure rules: who each line reaches, what everyone reads, refusals,
mutes and rate limits (with a clock the test moves)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mythos_contracts.persistence import GLOBAL_SCOPE
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.commands.base import Context, Outcome
from mythos_game.domain.commands.registry import COMMANDS, parse
from mythos_game.domain.outgoing import ToEveryone, ToPlayer, ToRoom, ToSubzone
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import ChatLimiter, ChatRates, Rules

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
START = WORLD.start_room


class Table:
    """A roster, a shared limiter and a clock: what the dispatcher gives each command."""

    def __init__(self, *names: str, rules: Rules | None = None) -> None:
        self.roster = Roster()
        self.limiter = ChatLimiter()
        self.rules = rules or Rules()
        self.now = 1_000_000.0
        self.people = {n: Player(f"id-{n}", n, START, 1) for n in names}
        for p in self.people.values():
            self.roster.add(p)

    def __getitem__(self, name: str) -> Player:
        return self.people[name]

    def run(self, who: str, command: str, *args: str) -> Outcome:
        parsed = parse(command, list(args))
        assert parsed is not None, command
        ctx = Context(WORLD, self.roster, self[who], COMMANDS, self.now, self.rules, self.limiter)
        return parsed.spec.run(ctx, parsed.args)


@pytest.fixture
def table() -> Table:
    return Table("Alice", "Bob", "Carol")


def only_chat(outcome: Outcome):  # type: ignore[no-untyped-def]
    (event,) = outcome.events
    assert event.event_type == "chat_message"
    return event, event.data.model_dump()


def test_say_and_its_quote_shorthand(table: Table) -> None:
    for typed, args in (("say", ["Hello", "there"]), ("'Hello", ["there"]), ("/'Hello", ["there"])):
        outcome = table.run("Alice", typed, *args)
        assert outcome.success and outcome.text == "You say: Hello there"
        event, data = only_chat(outcome)
        assert event.audience == ToRoom(START, frozenset({"id-Alice"}))
        assert data["channel"] == "say" and data["text"] == "Alice says: Hello there"
        assert data["player_name"] == "Alice" and data["player_id"] == "id-Alice"
        assert not data["history"]
    assert not table.run("Alice", "'").success


def test_a_line_cannot_pose_as_several(table: Table) -> None:
    outcome = table.run("Alice", "say", "hi\n[global] Admin: free gold\x1b")
    assert "\n" not in outcome.text and "\x1b" not in outcome.text
    assert outcome.text == "You say: hi [global] Admin: free gold"


def test_emote_and_its_colon_shorthand(table: Table) -> None:
    outcome = table.run("Alice", "emote", "laughs.")
    assert outcome.text == "Alice laughs."
    event, data = only_chat(outcome)
    assert data["channel"] == "emote" and data["text"] == "Alice laughs."
    assert data["message"] == "laughs."
    assert event.audience == ToRoom(START, frozenset({"id-Alice"}))
    assert table.run("Alice", "me", "'s lantern gutters.").text == "Alice's lantern gutters."
    assert table.run("Alice", ":shivers").text == "Alice shivers"
    assert not table.run("Alice", "emote").success


def test_pose_sets_shows_and_clears(table: Table) -> None:
    outcome = table.run("Bob", "pose", "leans", "on", "the", "statue.")
    assert outcome.success and not outcome.events
    assert table["Bob"].pose == "Bob leans on the statue."
    assert "Bob leans on the statue." in table.run("Alice", "look").text
    assert table.run("Alice", "look", "Bob").text == "Bob\nBob leans on the statue."
    assert table.run("Bob", "pose").text == "You drop your pose."
    assert table["Bob"].pose is None
    assert "leans" not in table.run("Alice", "look").text
    assert table.run("Bob", "pose").success  # nothing to clear is no error


def test_moving_ends_a_pose(table: Table) -> None:
    table.run("Bob", "pose", "waits.")
    table.run("Bob", "north")
    assert table["Bob"].pose is None


def test_whisper_reaches_only_its_target_anywhere(table: Table) -> None:
    table.run("Bob", "north")
    outcome = table.run("Alice", "whisper", "bob", "Meet", "me.")
    assert outcome.success and outcome.text == "You whisper to Bob: Meet me."
    event, data = only_chat(outcome)
    assert event.audience == ToPlayer("id-Bob")
    assert data["channel"] == "whisper" and data["text"] == "Alice whispers to you: Meet me."
    assert table["Bob"].last_whisper_from == "id-Alice"
    assert table.run("Alice", "tell", "Bob", "again").success


def test_whisper_refusals(table: Table) -> None:
    assert "no one called 'Zed' online" in table.run("Alice", "whisper", "Zed", "hi").text
    assert not table.run("Alice", "whisper", "Bob").success
    assert not table.run("Alice", "whisper").success
    assert not table.run("Alice", "whisper", "Alice", "hi").success
    assert table["Bob"].last_whisper_from is None


def test_reply_answers_the_last_whisperer(table: Table) -> None:
    assert table.run("Bob", "reply", "hi").text == "Nobody has whispered to you yet."
    table.run("Alice", "whisper", "Bob", "one")
    table.run("Carol", "whisper", "Bob", "two")
    outcome = table.run("Bob", "reply", "yes?")
    assert outcome.text == "You whisper to Carol: yes?"
    event, data = only_chat(outcome)
    assert event.audience == ToPlayer("id-Carol") and data["text"] == "Bob whispers to you: yes?"
    assert table["Carol"].last_whisper_from == "id-Bob"
    table.roster.remove("id-Carol")
    assert "no longer online" in table.run("Bob", "r", "still there?").text
    assert not table.run("Bob", "reply").success


def test_local_reaches_the_subzone_and_is_kept(table: Table) -> None:
    outcome = table.run("Alice", "local", "Anyone", "near?")
    subzone = WORLD.room(START).subzone_id
    assert outcome.text == "[local] Alice: Anyone near?"
    event, data = only_chat(outcome)
    assert event.audience == ToSubzone(subzone, frozenset({"id-Alice"}))
    assert data["channel"] == "local" and data["text"] == "[local] Alice: Anyone near?"
    (kept,) = outcome.history
    assert kept.scope == subzone and kept.data.message == "Anyone near?"


def test_global_reaches_everyone_and_is_kept(table: Table) -> None:
    outcome = table.run("Alice", "global", "Good", "evening.")
    assert outcome.text == "[global] Alice: Good evening."
    event, data = only_chat(outcome)
    assert event.audience == ToEveryone(frozenset({"id-Alice"}))
    assert data["channel"] == "global"
    (kept,) = outcome.history
    assert kept.scope == GLOBAL_SCOPE
    assert not table.run("Alice", "global").success


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("say", ["hi"]),
        ("emote", ["waves"]),
        ("pose", ["waits"]),
        ("whisper", ["Bob", "hi"]),
        ("local", ["hi"]),
        ("global", ["hi"]),
    ],
)
def test_a_muted_player_cannot_speak_and_is_told_how_long(
    table: Table, command: str, args: list[str]
) -> None:
    table["Alice"].muted_until = table.now + 150
    outcome = table.run("Alice", command, *args)
    assert not outcome.success and not outcome.events and not outcome.history
    assert "muted for 2 minutes 30 seconds more" in outcome.text
    table.now += 151
    assert table.run("Alice", command, *args).success


def test_a_muted_player_may_still_reply_never(table: Table) -> None:
    table.run("Bob", "whisper", "Alice", "hi")
    table["Alice"].muted_until = table.now + 60
    assert "muted" in table.run("Alice", "reply", "hello").text


def test_rate_limits_per_channel_with_seconds_to_wait() -> None:
    table = Table("Alice", "Bob", rules=Rules(rates=ChatRates(say=3, global_=1)))
    for i in range(3):
        assert table.run("Alice", "say", f"line {i}").success
        table.now += 10
    refused = table.run("Alice", "say", "one more")
    assert not refused.success and not refused.events
    assert "slow down" in refused.text and "try again in 30 seconds" in refused.text
    assert table.run("Alice", "emote", "waits.").success, "another channel, another limit"
    assert table.run("Bob", "say", "me too").success, "another player, another limit"
    table.now += 30
    assert table.run("Alice", "say", "now").success
    assert table.run("Alice", "global", "once").success
    twice = table.run("Alice", "global", "twice")
    assert not twice.success and "try again in 60 seconds" in twice.text
    table.now += 59.5
    assert "try again in 1 second." in table.run("Alice", "global", "twice").text


def test_refused_lines_do_not_count_against_the_limit() -> None:
    table = Table("Alice", rules=Rules(rates=ChatRates(say=1)))
    table["Alice"].muted_until = table.now + 5
    for _ in range(3):
        assert not table.run("Alice", "say", "hi").success
    table.now += 6
    assert table.run("Alice", "say", "hi").success


def test_whisper_limits_count_per_recipient() -> None:
    table = Table("Alice", "Bob", "Carol", rules=Rules(rates=ChatRates(whisper=2)))
    assert table.run("Alice", "whisper", "Bob", "1").success
    assert table.run("Alice", "whisper", "Bob", "2").success
    assert "slow down" in table.run("Alice", "whisper", "Bob", "3").text
    assert table.run("Alice", "whisper", "Carol", "1").success


def test_a_zero_limit_means_unlimited() -> None:
    table = Table("Alice", rules=Rules(rates=ChatRates(say=0)))
    assert all(table.run("Alice", "say", str(i)).success for i in range(100))


def test_overlong_lines_are_refused() -> None:
    table = Table("Alice", rules=Rules(max_message_chars=10))
    assert "at most 10 characters" in table.run("Alice", "say", "x" * 11).text
    assert table.run("Alice", "say", "x" * 10).success


def test_parse_keeps_the_case_of_shorthand_text() -> None:
    parsed = parse("'HELLO", ["World"])
    assert parsed is not None and parsed.spec.name == "say" and parsed.args == ["HELLO", "World"]
