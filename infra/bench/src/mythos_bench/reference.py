"""The machine-speed reference of a run: a fixed pure-Python workload, timed on the
server CPU before the first step, so a reader can tell a slower machine (or a busier
one) from slower code across days.

The workload is the kind of work the services do per message, in miniature: dict
lookups and stores, small-integer arithmetic, string building and splitting. Its
figure is the best of ``REPEATS`` runs' CPU time (the process's, so time spent waiting
for a busy core does not count, but a core shared with another's work still slows it),
in a fresh interpreter started on the server CPUs.

    uv run python -m mythos_bench.reference    # prints the figure in ms
"""

from __future__ import annotations

import subprocess
import sys
import time

from mythos_bench.placement import launch_prefix

REPEATS = 5
ROUNDS = 600_000


def workload(rounds: int = ROUNDS) -> int:
    """Deterministic; about 100 ms a run on this machine's core."""
    counts: dict[str, int] = {}
    total = 0
    for i in range(rounds):
        key = f"room-{i % 97}"
        counts[key] = counts.get(key, 0) + i % 7
        total += (i * 31 + 7) % 1009
    words = " ".join(str(n) for n in range(rounds // 10)).split()
    return total + sum(counts.values()) + sum(len(w) for w in words)


def best_ms(repeats: int = REPEATS) -> float:
    """The best of ``repeats`` runs of the workload, in ms of this process's CPU time."""
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        workload()
        best = min(best, (time.process_time() - started) * 1000)
    return best


def measure(cpus: set[int] | None) -> float:
    """``best_ms`` in a fresh interpreter started on ``cpus`` (None: anywhere)."""
    done = subprocess.run(
        [*launch_prefix(cpus, "normal"), sys.executable, "-m", "mythos_bench.reference"],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.split()[0])


if __name__ == "__main__":
    print(f"{best_ms():.1f} ms")
