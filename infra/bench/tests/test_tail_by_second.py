"""Where a step's tail falls (``load.tail_by_second``): the lines over 50 ms counted by
the whole second of the step they were said in, the slowest seconds first."""

from __future__ import annotations

from mythos_bench.load import TAIL_MS, tail_by_second


def test_a_stall_shows_as_its_seconds_and_a_spread_tail_as_many() -> None:
    timed = [(n / 100, 10.0) for n in range(1000)]  # 10 s of lines at 10 ms
    timed += [(3.2, 180.0), (3.5, 120.0), (4.1, 70.0), (7.9, 55.0), (8.0, TAIL_MS)]
    tail = tail_by_second(timed, started=1000.0, worst=2)

    assert tail["lines_over"] == 4, "50.0 ms is not over 50"
    assert tail["seconds_with_any"] == 3 and tail["seconds"] == 10
    assert tail["started_at"] == 1000.0
    assert tail["worst_seconds"] == [
        {"second": 3, "slowest_ms": 180.0, "lines_over": 2},
        {"second": 4, "slowest_ms": 70.0, "lines_over": 1},
    ]


def test_a_step_without_a_slow_line_has_no_worst_second() -> None:
    tail = tail_by_second([(0.5, 3.0), (1.5, 4.0)])
    assert tail["lines_over"] == 0 and tail["seconds_with_any"] == 0
    assert tail["worst_seconds"] == [] and tail["seconds"] == 2
