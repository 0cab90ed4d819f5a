"""The accounting of a chaos run and the table it writes, on hand-made ledgers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from mythos_chaos.__main__ import parse
from mythos_chaos.player import Command, StreamCounts
from mythos_chaos.report import BEGIN, END, Meta, write_results
from mythos_chaos.tally import tally

FAULT_AT = 100.0


def _said(
    sender: str, n: int, sent_at: float, answered_at: float | None, ok: bool = True
) -> Command:
    return Command(f"{sender}-{n}-id", sender, f"{sender}-{n}", sent_at, "{}", answered_at, ok)


def _streams(*names: str, resyncs: int = 0) -> list[StreamCounts]:
    return [StreamCounts(name, 0, 0, resyncs, 0) for name in names]


def test_a_fault_nobody_noticed_is_all_zeros_and_recovers_at_the_next_answers() -> None:
    commands = [
        _said("a", 0, 99.5, 99.6),
        _said("b", 0, 99.9, 100.05),  # sent before the fault: not a recovery
        _said("a", 1, 100.5, 100.6),
        _said("b", 1, 100.9, 101.0),
    ]
    heard = Counter({(c.text, "b" if c.sender == "a" else "a"): 1 for c in commands})
    row = tally("x", _streams("a", "b"), commands, heard, FAULT_AT)
    assert row.zeros() == dict.fromkeys(row.zeros(), 0)
    assert row.sent == 4 and row.players == 2
    assert row.recovery_seconds == pytest.approx(1.0)  # the slower player, b
    assert row.misses() == []


def test_unanswered_lost_and_run_twice_are_told_apart() -> None:
    ran_unanswered = _said("a", 0, 100.5, None)
    never_ran = _said("a", 1, 101.5, None)
    ran_twice = _said("b", 0, 100.2, 100.3)
    heard = Counter({(ran_unanswered.text, "b"): 1, (ran_twice.text, "a"): 2})
    later = [_said("a", 2, 102.0, 103.0)]
    row = tally(
        "x", _streams("a", "b"), [ran_unanswered, never_ran, ran_twice, *later], heard, FAULT_AT
    )
    assert (row.unanswered, row.lost, row.run_twice) == (2, 1, 1)
    assert row.recovery_seconds == pytest.approx(3.0)  # a's first answer after the fault
    assert "1 lost" in row.misses() and "1 run twice" in row.misses()


def test_a_player_never_answered_after_the_fault_never_recovered() -> None:
    commands = [_said("a", 0, 100.5, 100.6), _said("b", 0, 100.5, 100.6, ok=False)]
    row = tally("x", _streams("a", "b", resyncs=1), commands, Counter(), FAULT_AT)
    assert row.recovery_seconds is None
    assert row.resyncs == 2
    assert "some player never recovered" in row.misses()


def test_a_slow_recovery_misses_the_goal() -> None:
    commands = [_said("a", 0, 100.5, 106.0)]
    row = tally("x", _streams("a"), commands, Counter(), FAULT_AT)
    assert row.misses() == ["recovery 6.0 s > 5 s"]


def test_the_results_block_is_replaced_and_the_prose_kept(tmp_path: Path) -> None:
    doc = tmp_path / "reliability.md"
    doc.write_text(f"# Title\n\nprose before\n\n{BEGIN}\nold figures\n{END}\n\nprose after\n")
    row = tally("game-kill", _streams("a", resyncs=1), [], Counter(), FAULT_AT)
    write_results(doc, [row], Meta("2026-01-01 00:00 UTC", "abc1234", "cmd", "setup"))
    text = doc.read_text()
    assert text.startswith("# Title\n\nprose before\n\n" + BEGIN)
    assert text.endswith(END + "\n\nprose after\n")
    assert "old figures" not in text
    assert "| game-kill | 1 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | never |" in text
    assert "commit `abc1234`" in text and "game-kill (1 resyncs, some player never" in text


def test_a_doc_without_the_markers_is_refused(tmp_path: Path) -> None:
    doc = tmp_path / "reliability.md"
    doc.write_text("# no block\n")
    with pytest.raises(ValueError, match="no results block"):
        write_results(doc, [], Meta("d", "c", "cmd", "s"))


def test_unknown_faults_and_lonely_players_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse(["--faults", "game-kill,meteor"])
    assert "unknown fault meteor" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse(["--players", "1"])
    one_shard = [
        "game-kill",
        "game-term",
        "edge-kill",
        "broker-drop",
        "persistence-stall",
        "game-stall",
    ]
    assert parse(["--games", "1"]).faults.split(",") == one_shard
    # Two shards (the default): the second shard's game is killed and rolled too.
    assert parse([]).games == 2
    assert parse([]).faults.split(",") == [
        "game-kill",
        "game-term",
        "game-s2-kill",
        "game-s2-term",
        "zone-move",
        *one_shard[2:],
    ]
