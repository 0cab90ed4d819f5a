"""Where and how the stack's processes run: the core(s) they are pinned to and the
kernel's scheduling policy they start under, both set before each process starts (its
children and threads inherit them), and read back from the kernel once they run.

The policy (``--scheduling``): ``batch`` starts every process of the stack (the launcher,
so the services and the front door, and the run's own RabbitMQ and PostgreSQL) under
``SCHED_BATCH`` (``chrt --batch 0``). The kernel then never lets a waking process preempt
the one running: the edge, woken by the broker's delivery, waits until the broker's turn
blocks, rather than taking the core from it halfway and leaving both a cold cache and a
smaller batch. Each of these processes blocks within a fraction of a millisecond when its
turn is done, so the wait is short, until something holds the core for longer (a
collection, the broker's log rolling over): then nothing cuts in. ``normal``
(``SCHED_OTHER``), the kernel's default and a run's, is what a deployment gets. The
generator is never changed. docs/benchmarks/README.md (its section of 2026-12-07 09:35
UTC) has the two side by side.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

SCHEDULING = ("batch", "normal")
"""The policies a run may start the stack under (``--scheduling``)."""

_POLICY_NAMES = {
    os.SCHED_OTHER: "normal",
    os.SCHED_BATCH: "batch",
    os.SCHED_IDLE: "idle",
    os.SCHED_FIFO: "fifo",
    os.SCHED_RR: "rr",
}


def launch_prefix(cpus: set[int] | None, scheduling: str) -> list[str]:
    """What goes before a stack process's command: ``taskset`` for ``cpus`` (None: any),
    ``chrt --batch 0`` for ``batch``."""
    if scheduling not in SCHEDULING:
        raise ValueError(f"unknown scheduling {scheduling!r}: one of {', '.join(SCHEDULING)}")
    prefix = ["taskset", "-c", ",".join(map(str, sorted(cpus)))] if cpus else []
    if scheduling == "batch":
        prefix += ["chrt", "--batch", "0"]
    return prefix


def policy_of(pid: int) -> str | None:
    """The scheduling policy of every thread of ``pid`` ("mixed" when they differ);
    None when the process has gone."""
    try:
        tids = [int(tid) for tid in os.listdir(f"/proc/{pid}/task")]
        seen = {_POLICY_NAMES.get(os.sched_getscheduler(tid), "other") for tid in tids}
    except (FileNotFoundError, ProcessLookupError):
        return None
    return seen.pop() if len(seen) == 1 else "mixed"


def policies(groups: Mapping[str, Sequence[int]]) -> dict[str, str]:
    """Component -> the policy its processes run under, as the kernel reports it
    ("mixed" when its processes or threads differ; processes gone meanwhile left out)."""
    seen: dict[str, str] = {}
    for name, pids in groups.items():
        found = {p for p in map(policy_of, pids) if p is not None}
        if found:
            seen[name] = found.pop() if len(found) == 1 else "mixed"
    return seen
