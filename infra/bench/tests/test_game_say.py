"""The game's per-say micro-benchmark runs to the end and reports its figure."""

from __future__ import annotations

import re
import subprocess
import sys


def test_a_small_run_prints_the_cpu_per_say() -> None:
    args = ["--says", "40", "--rooms", "2", "--room-size", "3", "--repeats", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "mythos_bench.game_say", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "6 players joined in 2 rooms" in done.stdout
    figure = re.search(r"best ([\d.]+) µs, runs ([\d.]+), ([\d.]+)$", done.stdout.strip())
    assert figure is not None, done.stdout
    assert float(figure.group(1)) > 0
