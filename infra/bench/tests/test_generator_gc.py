"""The load generator's collector stays out of the lines it times (``generator_gc``):
no full collection while a step's lines are said and awaited, the thresholds back as
they were after, and every collection that ran inside a timed window recorded."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Iterator

import orjson
import pytest
from mythos_bench import generator_gc
from mythos_bench.load import BenchPlayer, Ledger, run_step


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)


def _garbage_cycles(count: int) -> list[list[object]]:
    """``count`` cycles left for the collector, and as many lists that live on (what
    grows the oldest generation until a full collection is due)."""
    kept: list[list[object]] = []
    for _ in range(count):
        a: list[object] = []
        a.append(a)
        kept.append([])
    return kept


def test_paused_keeps_full_collections_out_and_gives_the_thresholds_back() -> None:
    gc.set_threshold(700, 10, 10)
    with generator_gc.timing("paused") as pauses:
        assert gc.isenabled()
        assert gc.get_threshold()[:2] == (700, 10)  # the young generations as usual
        kept = _garbage_cycles(200_000)  # enough for many young collections, and full ones
    assert gc.get_threshold() == (700, 10, 10) and kept
    generations = {generation for generation, _ in pauses.taken}
    assert 0 in generations and generator_gc.OLDEST not in generations
    assert pauses.since()["full"] == 0


def test_on_keeps_the_collectors_defaults() -> None:
    gc.set_threshold(700, 10, 10)
    with generator_gc.timing("on") as pauses:
        assert gc.get_threshold() == (700, 10, 10)
        kept = _garbage_cycles(200_000)
    assert kept and pauses.since()["full"] > 0  # what "paused" keeps out of a timed window


def test_an_error_in_the_window_gives_the_collector_back() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), generator_gc.timing("paused"):
        raise RuntimeError("the step failed")
    assert gc.get_threshold() == before
    assert not [cb for cb in gc.callbacks if isinstance(cb, generator_gc.Pauses)]


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="paused, on"), generator_gc.timing("sometimes"):
        pass


def test_collections_in_the_window_are_recorded_and_none_after_it() -> None:
    with generator_gc.timing("paused") as pauses:
        gc.collect()  # an explicit full collection still runs, and is counted
        mark = len(pauses)
        gc.collect(0)
    gc.collect()  # outside the window: not this window's
    assert pauses.since(mark) == {
        "collections": 1,
        "over_20ms": 0 if pauses.taken[-1][1] < 20 else 1,
        "longest": f"{pauses.taken[-1][1]:.1f} ms",
        "full": 0,
    }
    assert pauses.since()["collections"] == 2 and pauses.since()["full"] == 1


def test_long_pauses_are_counted_apart() -> None:
    pauses = generator_gc.Pauses()
    pauses.taken = [(0, 1.0), (1, 19.9), (2, 20.0), (2, 151.25)]
    assert pauses.since() == {"collections": 4, "over_20ms": 2, "longest": "151.2 ms", "full": 2}
    assert pauses.since(4) == {"collections": 0, "over_20ms": 0, "longest": "-", "full": 0}


def test_results_say_how_the_generator_collected() -> None:
    assert generator_gc.described({}) == []  # runs from before: not recorded
    (_, paused) = generator_gc.described({"generator_gc": "paused"})
    assert "between steps" in paused and "--generator-gc paused" in paused
    (_, on) = generator_gc.described({"generator_gc": "on"})
    assert "--generator-gc on" in on


class _EchoSocket:
    """A player's socket whose room hears each line at once: records, at each send,
    the oldest generation's threshold."""

    def __init__(self, ledger: Ledger, seen: list[int]) -> None:
        self.ledger = ledger
        self.seen = seen

    async def send(self, text: str) -> None:
        self.seen.append(gc.get_threshold()[2])
        (token,) = orjson.loads(text)["args"]
        self.ledger.delivered(token, time.perf_counter())


@pytest.mark.parametrize(("mode", "oldest"), [("paused", generator_gc.NEVER), ("on", 10)])
def test_a_step_says_its_lines_with_the_collector_as_asked(mode: str, oldest: int) -> None:
    gc.set_threshold(700, 10, 10)
    ledger, seen = Ledger(), []
    players = [BenchPlayer(f"p{i}", "token", ledger, room="r") for i in range(2)]
    for player in players:
        player.ws = _EchoSocket(ledger, seen)
    result = asyncio.run(run_step(players, ledger, {"r": 2}, 200.0, 0.1, 1.0, "t", collector=mode))
    assert seen and set(seen) == {oldest}
    assert gc.get_threshold() == (700, 10, 10)
    assert result.sent == len(seen) and result.missing == 0
    assert set(result.generator_gc) == {"collections", "over_20ms", "longest", "full"}
