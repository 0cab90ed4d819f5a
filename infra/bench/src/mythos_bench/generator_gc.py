"""The load generator's own garbage collector, kept out of what a step times.

The generator is one Python process: every player's WebSocket client, and every line
said in the run with its receipt times (a 10-minute soak at 500 say/s holds 300,000).
Its collector's full collections walk all of it, and while one runs no client reads its
socket: every line in flight is then read late, a stall the run would charge to the
server. A sampler of each process's CPU per 200 ms (2026-12-07, run H) saw the
generator take 150 ms of its core in one window at 1,000 say/s while the server's
processes went quiet, and the step's slowest lines fell there.

So while lines are timed (a step with its drain, the soak's minutes) the automatic
collection is off (``timing``), and the generator collects where nothing is timed,
between steps (``collect``). The collections that still ran inside a timed window are
recorded (``Pauses``) and reported with the services' own, so a step says whether the
generator ever stopped. ``--generator-gc on`` keeps the collector running, to compare.
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


class Pauses:
    """Every collection of this process while installed: its length in ms."""

    def __init__(self) -> None:
        self.ms: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.ms.append((time.perf_counter() - self._started) * 1000)

    def since(self, mark: int = 0) -> dict[str, int | str]:
        """The collections from the ``mark``-th on, in the shape of the services'
        (``service_metrics.pauses``), the longest exact rather than a bucket's bound."""
        taken = self.ms[mark:]
        if not taken:
            return {"collections": 0, "over_20ms": 0, "longest": "-"}
        return {
            "collections": len(taken),
            "over_20ms": sum(ms >= LONG_PAUSE_MS for ms in taken),
            "longest": f"{max(taken):.1f} ms",
        }


@contextmanager
def timing(mode: str) -> Iterator[Pauses]:
    """The block times lines: with ``mode`` "paused" the automatic collection is off
    in it (and back as it was after); the collections that ran in it all the same are
    in the ``Pauses`` yielded."""
    if mode not in MODES:
        raise ValueError(f"generator GC mode {mode!r}: one of {', '.join(MODES)}")
    pauses = Pauses()
    was_enabled = gc.isenabled()
    gc.callbacks.append(pauses)
    if mode == "paused":
        gc.disable()
    try:
        yield pauses
    finally:
        gc.callbacks.remove(pauses)
        if was_enabled:
            gc.enable()


def collect() -> float:
    """A full collection where nothing is timed (between steps); how long it took, ms."""
    started = time.perf_counter()
    gc.collect()
    return (time.perf_counter() - started) * 1000


def described(meta: dict[str, Any]) -> list[str]:
    """What results.md says of the generator's collector (runs before 2026-12-07 19:00
    UTC recorded nothing: it ran all along)."""
    mode = meta.get("generator_gc")
    if mode is None:
        return []
    how = {
        "paused": "off while lines were timed, a full collection between steps "
        "(--generator-gc paused)",
        "on": "running while lines were timed (--generator-gc on)",
    }[mode]
    return [
        "",
        f"The generator's garbage collector: {how}. Its collections inside a timed "
        "window, which would read as the server's latency, are the `generator` column "
        "of the garbage collection tables (exact lengths; the services' are histogram "
        "buckets).",
    ]
