"""The server-side processes of a run: from /proc their CPU time, RSS,
context switches and scheduler run-queue waits (summed over every thread)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Sample:
    cpu_seconds: float
    rss_kb: int
    voluntary_switches: int = 0  # the process waited for something (I/O, a lock)
    involuntary_switches: int = 0  # the scheduler took the core away: preempted
    run_seconds: float = 0.0  # on the core (schedstat)
    wait_seconds: float = 0.0  # runnable, waiting in the run queue for the core
    system_seconds: float = 0.0  # of cpu_seconds, in the kernel (system calls, the network)

    def __sub__(self, other: Sample) -> Sample:
        return Sample(
            self.cpu_seconds - other.cpu_seconds,
            self.rss_kb,
            self.voluntary_switches - other.voluntary_switches,
            self.involuntary_switches - other.involuntary_switches,
            self.run_seconds - other.run_seconds,
            self.wait_seconds - other.wait_seconds,
            self.system_seconds - other.system_seconds,
        )

    def __add__(self, other: Sample) -> Sample:
        return Sample(
            self.cpu_seconds + other.cpu_seconds,
            self.rss_kb + other.rss_kb,
            self.voluntary_switches + other.voluntary_switches,
            self.involuntary_switches + other.involuntary_switches,
            self.run_seconds + other.run_seconds,
            self.wait_seconds + other.wait_seconds,
            self.system_seconds + other.system_seconds,
        )


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def family(pid: int) -> list[int]:
    """``pid`` and every process descending from it, now."""
    return [pid, *(p for child in _children(pid) for p in family(child))]


def server_processes(data_dir: Path) -> dict[str, list[int]]:
    """Component name -> pids: each service (from the launcher's pid file), and the
    run's own broker and database (``servers.json``: every process descending from
    their roots, none of the machine's)."""
    pids = json.loads((data_dir / "processes.json").read_text())
    groups: dict[str, list[int]] = {}
    for name, pid in pids.items():
        key = "edge" if name.startswith("edge") else name.split(" ")[0]
        key = "caddy" if "caddy" in name else key
        # A component's work may be in its children: nginx's worker does the proxying.
        groups.setdefault(key, []).extend([int(pid), *_children(int(pid))])
    servers = data_dir / "servers.json"
    if servers.exists():  # a stack on the machine's servers has no figures of theirs
        for name, roots in json.loads(servers.read_text()).items():
            groups[name] = [pid for root in roots for pid in family(int(root))]
    return groups


def _threads(pid: int) -> tuple[int, int, float, float]:
    voluntary = involuntary = 0
    run_ns = wait_ns = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            run, wait, _slices = (task / "schedstat").read_text().split()
            run_ns, wait_ns = run_ns + int(run), wait_ns + int(wait)
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    voluntary += int(line.split()[1])
                elif line.startswith("nonvoluntary_ctxt_switches:"):
                    involuntary += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue  # a thread that ended meanwhile
    return voluntary, involuntary, run_ns / 1e9, wait_ns / 1e9


def sample(pid: int) -> Sample:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        user, system = int(fields[11]) / _TICKS, int(fields[12]) / _TICKS  # utime, stime
        rss = 0
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
        return Sample(user + system, rss, *_threads(pid), system_seconds=system)
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return Sample(0.0, 0)


def pss_kb(pid: int) -> int | None:
    """The process's proportional set size (``/proc/<pid>/smaps_rollup``): each page it
    maps divided by the number of processes mapping it. Summed over a group, memory the
    group's processes share (PostgreSQL's shared buffers, which every backend and the
    checkpointer map) counts once, where summed RSS counts it once per process that
    touched it. None when the file cannot be read (another user's process, when not run
    as root)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None


def pss_groups(groups: dict[str, list[int]]) -> dict[str, float]:
    """Each group's summed PSS in MB; a group with a process whose PSS cannot be read
    is left out (its sum would be short)."""
    out = {}
    for name, pids in groups.items():
        sizes = [pss_kb(pid) for pid in pids]
        if sizes and all(size is not None for size in sizes):
            out[name] = sum(size or 0 for size in sizes) / 1024
    return out


def sample_groups(groups: dict[str, list[int]]) -> dict[str, Sample]:
    out = {}
    for name, pids in groups.items():
        total = Sample(0.0, 0)
        for pid in pids:
            total = total + sample(pid)
        out[name] = total
    return out


PidSamples = dict[str, dict[int, Sample]]


def sample_pids(groups: dict[str, list[int]]) -> PidSamples:
    return {name: {pid: sample(pid) for pid in pids} for name, pids in groups.items()}


def alive_in_both(
    before: PidSamples, after: PidSamples
) -> tuple[dict[str, Sample], dict[str, Sample]]:
    """Each group summed over the processes alive at both samples. One that ended in
    between (a database backend, a broker's short-lived helper) reads as
    zero afterwards and would take its whole CPU time off its group's."""
    first: dict[str, Sample] = {}
    last: dict[str, Sample] = {}
    for name, now in after.items():
        then = before.get(name, {})
        live = [pid for pid, s in now.items() if s.rss_kb and pid in then and then[pid].rss_kb]
        first[name] = sum((then[pid] for pid in live), Sample(0.0, 0))
        last[name] = sum((now[pid] for pid in live), Sample(0.0, 0))
    return first, last


def start_profiles(
    groups: dict[str, list[int]], out: Path, seconds: float
) -> list[subprocess.Popen[bytes]]:
    """py-spy flame graphs of the edge and the game, saved beside the results."""
    out.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).parent / "py-spy"
    started = []
    for name in ("edge", "game"):
        pid = groups[name][0]
        started.append(
            subprocess.Popen(
                [
                    str(spy),
                    "record",
                    "--nonblocking",
                    "-d",
                    str(int(seconds)),
                    "-p",
                    str(pid),
                    "-o",
                    str(out / f"flame-{name}.svg"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    return started
