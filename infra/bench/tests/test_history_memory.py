"""The histories' memory benchmark runs to the end and reports its curve."""

from __future__ import annotations

import re
import subprocess
import sys


def test_a_small_run_prints_a_curve_and_its_growth() -> None:
    args = ["--players", "50", "--rate", "20", "--minutes", "3"]
    done = subprocess.run(
        [sys.executable, "-m", "mythos_bench.history_memory", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(re.findall(r"minute \d: RSS [\d.]+ MB", done.stdout)) == 3, done.stdout
    assert re.search(r"minute 2 -> 3: [+-][\d.]+ % RSS", done.stdout), done.stdout
