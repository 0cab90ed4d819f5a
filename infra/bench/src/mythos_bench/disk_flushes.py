"""The broker's disk flushes during the profiled repeat: how many, how long.

A quorum queue hands a message to its consumer once it is in the node's write-ahead
log, and the log is flushed (``fdatasync``) before that counts: every command a player
sends waits for one flush at least, and a slow one holds every command behind it, with
the server core idle meanwhile. ``perf trace -e fdatasync,fsync -p <the broker's
processes>`` times each flush as the kernel ran it. Reported: flushes a second, their
median, 99th percentile and longest, and the share of the step's wall time the broker
spent flushing (flushes of different files may overlap; the write-ahead log's never do).

Needs Debian's ``linux-perf`` and the right to trace the broker (root); without them the
report says why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from mythos_bench import perf_tool
from mythos_bench.perf_tool import PerfRun

# `  10.493 ( 2.756 ms): 8_dirty_io_sch/15375 fdatasync(fd: 25)   = 0`, or its second
# half when another event came between its entry and its exit (`... [continued]: ...`).
_TIMED = re.compile(r"^\s*[\d.]+\s+\(\s*([\d.]+) ms\):.*\b(fdatasync|fsync)\(")


def start(pids: list[int], seconds: float) -> PerfRun | str:
    """Trace ``pids``' flushes for ``seconds``; or why it cannot."""
    if not pids:
        return "no broker process of the run's own"
    subcommand = ["trace", "-e", "fdatasync,fsync", "-p", ",".join(map(str, pids))]
    return perf_tool.start(subcommand, "flushes.txt", seconds)


def finish(tracing: PerfRun | str) -> dict[str, Any]:
    """``summary`` of the traced flushes, or ``{"unavailable": why}``."""
    if isinstance(tracing, str):
        return {"unavailable": tracing}
    with tracing.folder:
        why = perf_tool.failure(tracing, "trace")
        if why is not None:
            return {"unavailable": why}
        lines = tracing.output.read_text(errors="replace").splitlines()
    return summary(lines, tracing.seconds)


def summary(lines: Iterable[str], seconds: float) -> dict[str, Any]:
    """Count, rate and spread (ms) of the timed flushes in ``perf trace``'s ``lines``."""
    durations = sorted(
        float(match.group(1)) for line in lines if (match := _TIMED.match(line)) is not None
    )
    count = len(durations)
    if not count:
        return {"count": 0, "per_second": 0.0}

    def at(q: float) -> float:
        return durations[min(count - 1, int(q * count))]

    return {
        "count": count,
        "per_second": count / seconds,
        "p50_ms": at(0.50),
        "p99_ms": at(0.99),
        "longest_ms": durations[-1],
        "over_20ms": sum(d > 20 for d in durations),
        "busy_share": sum(durations) / 1000 / seconds,
    }
