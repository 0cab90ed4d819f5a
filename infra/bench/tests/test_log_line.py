"""The log line's micro-benchmark runs to the end and reports its figure."""

from __future__ import annotations

import re
import subprocess
import sys


def test_a_small_run_prints_the_cpu_per_line() -> None:
    args = ["--lines", "200", "--per-turn", "10", "--repeats", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "mythos_bench.log_line", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    figure = re.search(r"10 per loop turn, to pipe: (-?[\d.]+) µs CPU per line", done.stdout)
    assert figure is not None, done.stdout
