"""The broker's flushes, read from perf trace's lines."""

from __future__ import annotations

import pytest
from mythos_bench.disk_flushes import summary

TRACE = """\
     0.000 ( 0.605 ms): 8_dirty_io_sch/15375 fdatasync(fd: 25)                  = 0
     1.599 ( 0.587 ms): 8_dirty_io_sch/15375 fdatasync(fd: 25)                  = 0
    10.493 (         ): 8_dirty_io_sch/15375 fdatasync(fd: 25)               ...
    10.493 ( 2.756 ms): 8_dirty_io_sch/15375  ... [continued]: fdatasync())     = 0
    13.124 (25.500 ms): 1_dirty_io_sch/15368 fsync(fd: 44)                      = 0
    14.000 ( 9.000 ms): 1_dirty_io_sch/15368 write(fd: 44, buf: 0x1, count: 9)  = 9
"""


def test_each_flush_is_counted_once_with_its_duration() -> None:
    flushes = summary(TRACE.splitlines(), seconds=2.0)
    assert flushes["count"] == 4  # the unfinished entry's half is not a flush; nor a write
    assert flushes["per_second"] == 2.0
    assert flushes["longest_ms"] == 25.5 and flushes["over_20ms"] == 1
    assert flushes["p50_ms"] == 2.756
    assert flushes["busy_share"] == pytest.approx((0.605 + 0.587 + 2.756 + 25.5) / 2000)


def test_no_flush_at_all() -> None:
    assert summary([], seconds=5.0) == {"count": 0, "per_second": 0.0}
