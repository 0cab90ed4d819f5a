"""``mythos_bench.idle_rounds`` must not rot: two rounds of a few idle connections on
the real stack (its own RabbitMQ and PostgreSQL), each read back after they closed.
It asserts only that every round ran and printed its figures, never a size."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


@pytest.mark.services
def test_two_rounds_open_close_and_report_the_edges_rss(own_servers: None) -> None:
    run = subprocess.run(
        [
            sys.executable, "-m", "mythos_bench.idle_rounds",
            "--connections", "20", "--rounds", "2", "--settle", "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    print(run.stdout[-3000:], run.stderr[-3000:])
    assert run.returncode == 0
    assert re.search(r"^baseline: edge RSS [\d.]+ MB$", run.stdout, re.MULTILINE)
    for n in (1, 2):
        assert re.search(rf"^round {n}: 20 open, RSS [\d.]+ MB$", run.stdout, re.MULTILINE)
        assert re.search(rf"^round {n}: all closed 1 s ago, RSS [\d.]+ MB$", run.stdout, re.M)
    after = re.search(r"^after each round: ([\d.]+), ([\d.]+) MB$", run.stdout, re.MULTILINE)
    assert after is not None and all(float(mb) > 0 for mb in after.groups())
