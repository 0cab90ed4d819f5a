"""The load generator's own garbage collector, kept out of what a step times.

The generator is one Python process: every player's WebSocket client, and every line
said in the run with its receipt times (a 10-minute soak at 500 say/s holds 300,000).
Its collector's full collections walk all of it, and while one runs no client reads its
socket: every line in flight is then read late, a stall the run would charge to the
server. A sampler of each process's CPU per 200 ms (2026-12-07, run H) saw the
generator take 150 ms of its core in one window at 1,000 say/s while the server's
processes went quiet, and the step's slowest lines fell there.

So while lines are timed (a step with its drain, the soak's minutes) the generator
makes no full collection (``timing``): the young generations are still collected as
usual (they hold at most a few thousand objects, and what a client's frames leave in
cycles is reclaimed there; with the collector off altogether that garbage piled up and
took the generator's core from 30 to 44 % busy at 1,000 say/s), and the full collection waits for
the end of the step, where nothing is timed (``collect``). Every collection that ran
inside a timed window is recorded (``Pauses``) and reported with the services' own, so
a step says how long the generator stopped. ``--generator-gc on`` keeps the
collector's defaults, to compare.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MODES = ("paused", "on")
LONG_PAUSE_MS = 20.0
"""A pause this long or longer is counted apart, as the services' histograms do."""


OLDEST = 2
NEVER = 1 << 30
"""A threshold for the oldest generation no step reaches: no full collection."""


class Pauses:
    """Every collection of this process while installed: its generation and its
    length in ms."""

    def __init__(self) -> None:
        self.taken: list[tuple[int, float]] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            ms = (time.perf_counter() - self._started) * 1000
            self.taken.append((info["generation"], ms))

    def __len__(self) -> int:
        return len(self.taken)

    def since(self, mark: int = 0) -> dict[str, int | str]:
        """The collections from the ``mark``-th on, in the shape of the services'
        (``service_metrics.pauses``: the longest exact rather than a bucket's bound),
        and how many of them were full."""
        taken = self.taken[mark:]
        if not taken:
            return {"collections": 0, "over_20ms": 0, "longest": "-", "full": 0}
        return {
            "collections": len(taken),
            "over_20ms": sum(ms >= LONG_PAUSE_MS for _, ms in taken),
            "longest": f"{max(ms for _, ms in taken):.1f} ms",
            "full": sum(generation == OLDEST for generation, _ in taken),
        }


@contextmanager
def timing(mode: str) -> Iterator[Pauses]:
    """The block times lines: with ``mode`` "paused" no full collection starts in it
    (the oldest generation's threshold out of reach, as it was after); every collection
    that ran in it is in the ``Pauses`` yielded."""
    if mode not in MODES:
        raise ValueError(f"generator GC mode {mode!r}: one of {', '.join(MODES)}")
    pauses = Pauses()
    thresholds = gc.get_threshold()
    gc.callbacks.append(pauses)
    if mode == "paused":
        youngest, middle, _ = thresholds
        gc.set_threshold(youngest, middle, NEVER)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(pauses)
        gc.set_threshold(*thresholds)


def collect() -> None:
    """A full collection where nothing is timed (between steps)."""
    gc.collect()


def described(meta: dict[str, Any]) -> list[str]:
    """What results.md says of the generator's collector (runs before 2026-12-07 19:00
    UTC recorded nothing: it ran all along)."""
    mode = meta.get("generator_gc")
    if mode is None:
        return []
    how = {
        "paused": "no full collection while lines were timed (the young generations "
        "collected as usual), one between steps (--generator-gc paused)",
        "on": "running while lines were timed (--generator-gc on)",
    }[mode]
    return [
        "",
        f"The generator's garbage collector: {how}. Its collections inside a timed "
        "window, whose pauses would read as the server's latency, are the `generator` "
        "column of the garbage collection tables (exact lengths; the services' are "
        "histogram buckets).",
    ]
