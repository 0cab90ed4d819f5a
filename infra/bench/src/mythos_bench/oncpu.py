"""What ran on the server core during the profiled repeat, by component and by code.

py-spy's flame graphs sample a thread whenever it is not blocked, so a process that
wakes another by writing to a socket and is preempted there shows the wait as the write
(at 1,000 say/s, a third of the game's samples). ``perf record -a -C <server cpus>``
samples the core itself, about 1,000 times a second: each sample is what was on it at
that instant, so the split below is CPU time, and the core's idle time is a row of its
own. Python frames are not visible to perf on CPython 3.11, so each component's share
is split by code instead:

- ``kernel``: system calls, the loopback network, scheduling, page faults;
- ``own``: the component's own program: CPython's interpreter (``libpython``), the
  BEAM and its JIT code, nginx, PostgreSQL;
- ``libraries``: the C libraries and extension modules it calls (libc's allocator,
  uvloop, msgspec, pydantic-core...).

A sample whose process is not a component of the stack is ``other`` (kernel threads,
the harness's own helpers), and the idle task's is ``idle``.

Needs Debian's ``linux-perf`` (``make bench`` installs it) and the right to sample
every process (root, or ``kernel.perf_event_paranoid`` at -1); without them the
report says why and the run goes on.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterable
from typing import Any

from mythos_bench import perf_tool
from mythos_bench.perf_tool import PerfRun

SAMPLES_PER_SECOND = 997  # prime: never in step with a periodic timer of the stack
KINDS = ("kernel", "own", "libraries")


def start(cpus: set[int] | None, seconds: float) -> PerfRun | str:
    """Sample ``cpus`` (every CPU when None) for ``seconds``; or why it cannot."""
    where = ["-a"] if cpus is None else ["-a", "-C", ",".join(map(str, sorted(cpus)))]
    subcommand = ["record", "-q", *where, "-F", str(SAMPLES_PER_SECOND)]
    return perf_tool.start(subcommand, "perf.data", seconds, away_from=cpus)


def finish(recording: PerfRun | str, groups: dict[str, list[int]]) -> dict[str, Any]:
    """The split of the recorded samples (``split``), or ``{"unavailable": why}``."""
    if isinstance(recording, str):
        return {"unavailable": recording}
    with recording.folder:
        why = perf_tool.failure(recording, "record")
        if why is not None:
            return {"unavailable": why}
        script = subprocess.run(
            ["perf", "script", "-i", str(recording.output), "-F", "pid,ip,dso", "-G"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if script.returncode != 0:
            return {"unavailable": f"perf script failed: {script.stderr.strip()[-200:]}"}
    owners = {pid: name for name, pids in groups.items() for pid in pids}
    return split(script.stdout.splitlines(), owners)


def split(lines: Iterable[str], owners: dict[int, str]) -> dict[str, Any]:
    """``perf script -F pid,ip,dso -G`` lines (``<pid> <ip> (<dso>)``) -> the samples'
    count and, per component, its share of them and how its own split by ``kind``."""
    per: Counter[tuple[str, str]] = Counter()
    total = 0
    for line in lines:
        fields = line.split(None, 2)
        if len(fields) < 2 or not fields[0].isdigit():
            continue
        pid = int(fields[0])
        dso = fields[2].strip().strip("()") if len(fields) > 2 else ""
        name = "idle" if pid == 0 else owners.get(pid, "other")
        per[(name, kind(dso))] += 1
        total += 1
    components: dict[str, dict[str, float]] = {}
    for (name, code), count in per.items():
        row = components.setdefault(name, {"share": 0.0, **dict.fromkeys(KINDS, 0.0)})
        row["share"] += count / total
        row[code] += count
    for row in components.values():
        own_samples = sum(row[k] for k in KINDS)
        for k in KINDS:
            row[k] = row[k] / own_samples if own_samples else 0.0
    return {"samples": total, "components": components}


def kind(dso: str) -> str:
    """Which code a sample's binary object is (``KINDS``)."""
    if dso.startswith("[kernel") or dso.endswith(".ko"):
        return "kernel"
    base = dso.rsplit("/", 1)[-1]
    if base == "[vdso]" or ".cpython-" in base:
        return "libraries"
    if base.startswith("lib") and not base.startswith("libpython"):
        return "libraries"
    # libpython, a python or beam.smp binary, the BEAM's JIT code (an anonymous memfd, or
    # unknown), nginx, postgres: the program itself.
    return "own"
