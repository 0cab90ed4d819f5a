"""The server-side processes of a run: pinning, and from /proc their CPU time, RSS,
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

    def __sub__(self, other: Sample) -> Sample:
        return Sample(
            self.cpu_seconds - other.cpu_seconds,
            self.rss_kb,
            self.voluntary_switches - other.voluntary_switches,
            self.involuntary_switches - other.involuntary_switches,
            self.run_seconds - other.run_seconds,
            self.wait_seconds - other.wait_seconds,
        )

    def __add__(self, other: Sample) -> Sample:
        return Sample(
            self.cpu_seconds + other.cpu_seconds,
            self.rss_kb + other.rss_kb,
            self.voluntary_switches + other.voluntary_switches,
            self.involuntary_switches + other.involuntary_switches,
            self.run_seconds + other.run_seconds,
            self.wait_seconds + other.wait_seconds,
        )


def _pgrep(pattern: str) -> list[int]:
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def server_processes(data_dir: Path) -> dict[str, list[int]]:
    """Component name -> pids: each service (from the launcher's pid file), the broker
    and the database (every process of theirs)."""
    pids = json.loads((data_dir / "processes.json").read_text())
    groups: dict[str, list[int]] = {}
    for name, pid in pids.items():
        key = "edge" if name.startswith("edge") else name.split(" ")[0]
        key = "caddy" if "caddy" in name else key
        # A component's work may be in its children: nginx's worker does the proxying.
        groups.setdefault(key, []).extend([int(pid), *_children(int(pid))])
    groups["rabbitmq"] = _pgrep("beam.smp") + _pgrep("epmd")
    groups["postgresql"] = _pgrep("postgres: ") + _pgrep("bin/postgres")
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
        cpu = (int(fields[11]) + int(fields[12])) / _TICKS
        rss = 0
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
        return Sample(cpu, rss, *_threads(pid))
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return Sample(0.0, 0)


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
    between (a ``rabbitmqctl``'s short-lived ``beam.smp``, a database backend) reads as
    zero afterwards and would take its whole CPU time off its group's."""
    first: dict[str, Sample] = {}
    last: dict[str, Sample] = {}
    for name, now in after.items():
        then = before.get(name, {})
        live = [pid for pid, s in now.items() if s.rss_kb and pid in then and then[pid].rss_kb]
        first[name] = sum((then[pid] for pid in live), Sample(0.0, 0))
        last[name] = sum((now[pid] for pid in live), Sample(0.0, 0))
    return first, last


def pin(pids: list[int], cpus: str) -> None:
    """Pin every thread of each process (``taskset -a``) to ``cpus``."""
    for pid in pids:
        subprocess.run(["taskset", "-a", "-p", "-c", cpus, str(pid)], capture_output=True)


def broker_schedulers(count: int | None) -> str:
    """Set RabbitMQ's Erlang schedulers online (normal and dirty CPU) to ``count``, or
    back to all it started with (None); what it answered. A broker pinned to one core
    with two schedulers has them take turns on it (``+S 1:1`` is what a one-CPU broker
    is configured with); the broker started before the bench, so it is set at run time."""
    wanted = "erlang:system_info(schedulers)" if count is None else str(count)
    dirty = "erlang:system_info(dirty_cpu_schedulers)" if count is None else str(count)
    expression = (
        f"erlang:system_flag(schedulers_online, {wanted}), "
        f"erlang:system_flag(dirty_cpu_schedulers_online, {dirty}), "
        "{erlang:system_info(schedulers_online), "
        "erlang:system_info(dirty_cpu_schedulers_online)}."
    )
    done = subprocess.run(
        ["rabbitmqctl", "eval", expression], capture_output=True, text=True, check=False
    )
    return (done.stdout or done.stderr).strip()


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
