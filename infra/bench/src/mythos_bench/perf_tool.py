"""Debian's ``perf`` for the profiled repeat: one subcommand for a number of seconds, its
output in a folder of its own (deleted with it), and why it failed when it did."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mythos_bench.placement import launch_prefix

NOT_INSTALLED = "perf is not installed (Debian's linux-perf)"


@dataclass
class PerfRun:
    process: subprocess.Popen[bytes]
    folder: tempfile.TemporaryDirectory[str]
    output: Path
    seconds: float


def start(
    subcommand: list[str], output: str, seconds: float, *, away_from: set[int] | None = None
) -> PerfRun | str:
    """``perf <subcommand> -o <folder>/<output> -- sleep <seconds>``, started; or why it
    cannot be. ``away_from``: CPUs perf's own process must not run on (the ones it
    samples), when others are left."""
    perf = shutil.which("perf")
    if perf is None:
        return NOT_INSTALLED
    folder = tempfile.TemporaryDirectory(prefix="mythos-bench-perf-")
    output_path = Path(folder.name) / output
    command = [perf, *subcommand, "-o", str(output_path), "--", "sleep", str(seconds)]
    others = os.sched_getaffinity(0) - away_from if away_from is not None else set()
    command = [*launch_prefix(others, "normal"), *command]  # pinned when others are left
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return PerfRun(process, folder, output_path, seconds)


def failure(run: PerfRun, what: str) -> str | None:
    """Wait for ``run``; None when it ended well with its output written, else why not."""
    _, err = run.process.communicate(timeout=120)
    if run.process.returncode == 0 and run.output.exists():
        return None
    why = err.decode(errors="replace").strip().splitlines()
    return f"perf {what} failed: {why[-1] if why else 'no output'}"
