"""The load generator's collector stays out of the lines it times (``generator_gc``):
off while a step's lines are said and awaited, back as it was after, and every
collection that ran inside a timed window recorded."""

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
    was = gc.isenabled()
    yield
    gc.enable() if was else gc.disable()


def test_paused_turns_automatic_collection_off_and_back_as_it_was() -> None:
    gc.enable()
    with generator_gc.timing("paused"):
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()  # a collector already off stays off
    with generator_gc.timing("paused"):
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_on_leaves_the_collector_running() -> None:
    gc.enable()
    with generator_gc.timing("on"):
        assert gc.isenabled()
    assert gc.isenabled()


def test_an_error_in_the_window_gives_the_collector_back() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), generator_gc.timing("paused"):
        raise RuntimeError("the step failed")
    assert gc.isenabled()
    assert not [cb for cb in gc.callbacks if isinstance(cb, generator_gc.Pauses)]


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="paused, on"), generator_gc.timing("sometimes"):
        pass


def test_collections_in_the_window_are_recorded_and_none_after_it() -> None:
    with generator_gc.timing("paused") as pauses:
        gc.collect()  # an explicit one runs even with the automatic collection off
        mark = len(pauses.ms)
        gc.collect()
    gc.collect()  # outside the window: not this window's
    assert pauses.since()["collections"] == 2
    assert pauses.since(mark)["collections"] == 1
    assert str(pauses.since()["longest"]).endswith(" ms")


def test_long_pauses_are_counted_apart() -> None:
    pauses = generator_gc.Pauses()
    pauses.ms = [1.0, 19.9, 20.0, 151.25]
    assert pauses.since() == {"collections": 4, "over_20ms": 2, "longest": "151.2 ms"}
    assert pauses.since(4) == {"collections": 0, "over_20ms": 0, "longest": "-"}


def test_results_say_how_the_generator_collected() -> None:
    assert generator_gc.described({}) == []  # runs from before: not recorded
    (_, paused) = generator_gc.described({"generator_gc": "paused"})
    assert "between steps" in paused and "--generator-gc paused" in paused
    (_, on) = generator_gc.described({"generator_gc": "on"})
    assert "--generator-gc on" in on


class _EchoSocket:
    """A player's socket whose room hears each line at once: records, at each send,
    whether the generator's collector was running."""

    def __init__(self, ledger: Ledger, seen: list[bool]) -> None:
        self.ledger = ledger
        self.seen = seen

    async def send(self, text: str) -> None:
        self.seen.append(gc.isenabled())
        (token,) = orjson.loads(text)["args"]
        self.ledger.delivered(token, time.perf_counter())


@pytest.mark.parametrize(("mode", "running"), [("paused", False), ("on", True)])
def test_a_step_says_its_lines_with_the_collector_as_asked(mode: str, running: bool) -> None:
    gc.enable()
    ledger, seen = Ledger(), []
    players = [BenchPlayer(f"p{i}", "token", ledger, room="r") for i in range(2)]
    for player in players:
        player.ws = _EchoSocket(ledger, seen)
    result = asyncio.run(
        run_step(players, ledger, {"r": 2}, 200.0, 0.1, 1.0, "t", collector=mode)
    )
    assert seen and set(seen) == {running}
    assert gc.isenabled()
    assert result.sent == len(seen) and result.missing == 0
    assert result.generator_gc["collections"] == 0 or mode == "on"
