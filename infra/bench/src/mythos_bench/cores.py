"""How busy each core was during a step, as the kernel counts it (``/proc/stat``).

A step's "server core" figure sums the stack's own processes' CPU time; this one is the
core's, whatever ran there: the stack, interrupts, kernel threads, a process of the
machine's that the scheduler placed on it. The gap between the two is the core's time
the stack did not have. The generator's core is counted the same way: a load generator
near its own limit delays what it measures, and the latencies would be its.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STAT = Path("/proc/stat")


@dataclass(frozen=True)
class CoreTimes:
    busy: int
    total: int

    def __sub__(self, earlier: CoreTimes) -> CoreTimes:
        return CoreTimes(self.busy - earlier.busy, self.total - earlier.total)


def read(cpus: set[int] | None, text: str | None = None) -> CoreTimes:
    """The summed jiffies of ``cpus`` (all of them when None) from ``/proc/stat``'s
    ``cpuN`` lines: busy is everything but idle and iowait (a core waiting for the disk
    is free to run anything else)."""
    busy = total = 0
    for line in (STAT.read_text() if text is None else text).splitlines():
        name, *fields = line.split()
        if not name.startswith("cpu") or name == "cpu":
            continue
        if cpus is not None and int(name[3:]) not in cpus:
            continue
        # user nice system idle iowait irq softirq steal (guest time is counted in user)
        counts = [int(f) for f in fields[:8]]
        idle = counts[3] + counts[4]
        busy += sum(counts) - idle
        total += sum(counts)
    return CoreTimes(busy, total)


def busy_percent(delta: CoreTimes) -> float:
    return 100.0 * delta.busy / delta.total if delta.total else 0.0
