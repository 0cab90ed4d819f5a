"""The soak's memory figures: summed RSS counts a page two processes share twice, summed
PSS once (PostgreSQL's shared buffers, mapped by every backend and its checkpointer)."""

from __future__ import annotations

import mmap
import os
import signal

from mythos_bench.processes import pss_groups, sample
from mythos_bench.scenarios import growth_minute_2_to_10

SHARED_MB = 64


def test_a_page_two_processes_share_counts_once_in_pss_and_twice_in_rss() -> None:
    before_rss = sample(os.getpid()).rss_kb / 1024
    before_pss = pss_groups({"me": [os.getpid()]})["me"]
    shared = mmap.mmap(-1, SHARED_MB * 2**20, flags=mmap.MAP_SHARED)
    shared.write(b"x" * len(shared))  # every page touched here
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(reader)
        for offset in range(0, len(shared), mmap.PAGESIZE):  # and there
            shared[offset]
        os.write(writer, b"1")
        signal.pause()
    try:
        os.close(writer)
        assert os.read(reader, 1) == b"1"
        # Each process's RSS holds all of it, so their sum holds it twice...
        assert sample(os.getpid()).rss_kb / 1024 - before_rss >= SHARED_MB * 0.95
        assert sample(child).rss_kb / 1024 >= SHARED_MB * 0.95
        # ...and their summed PSS once (the pages the fork shares count once too).
        added = pss_groups({"pair": [os.getpid(), child]})["pair"] - before_pss
        assert SHARED_MB * 0.95 <= added < SHARED_MB * 1.5, added
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        shared.close()


def test_a_group_with_a_process_that_cannot_be_read_is_left_out() -> None:
    child = os.fork()
    if child == 0:  # pragma: no cover
        os._exit(0)
    os.waitpid(child, 0)  # gone: its smaps_rollup no longer exists
    assert pss_groups({"me": [os.getpid()], "gone": [os.getpid(), child]}).keys() == {"me"}


def test_growth_is_from_the_end_of_minute_2_to_the_end_of_minute_10() -> None:
    sizes = [{"game": 100.0 + minute, "db": 50.0} for minute in range(12)]
    sizes[1]["game"], sizes[9]["game"] = 200.0, 210.0
    assert growth_minute_2_to_10(sizes) == {"game": 5.0, "db": 0.0}
    assert growth_minute_2_to_10(sizes[:9]) == {}
    del sizes[9]["db"]
    assert growth_minute_2_to_10(sizes) == {"game": 5.0}
