"""A core's busy share from /proc/stat's counters."""

from __future__ import annotations

from mythos_bench.cores import busy_percent, read

BEFORE = """\
cpu  300 0 100 1000 50 0 0 0 0 0
cpu0 200 0 50 400 0 0 0 0 0 0
cpu1 100 0 50 600 50 0 0 0 0 0
intr 12345
"""
AFTER = """\
cpu  480 0 140 1230 60 0 0 0 0 0
cpu0 350 0 80 410 0 5 5 0 0 0
cpu1 130 0 60 820 60 0 0 0 0 0
intr 12399
"""


def test_a_core_is_busy_with_everything_but_idle_and_iowait() -> None:
    server = read({0}, AFTER) - read({0}, BEFORE)
    assert (server.busy, server.total) == (190, 200)  # irq and softirq count as busy
    assert busy_percent(server) == 95.0
    generator = read({1}, AFTER) - read({1}, BEFORE)
    assert (generator.busy, generator.total) == (40, 270)  # iowait counts as free
    both = read(None, AFTER) - read(None, BEFORE)
    assert both.total == server.total + generator.total


def test_no_time_passed_is_not_a_division_by_zero() -> None:
    same = read({0}, BEFORE) - read({0}, BEFORE)
    assert busy_percent(same) == 0.0
