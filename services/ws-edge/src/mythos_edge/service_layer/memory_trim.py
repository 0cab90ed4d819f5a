"""Give the memory of closed connections back to the system, after a large drop.

What a connection held goes back to CPython's allocator when its session ends, not to
the system. Small objects live in 1 MiB arenas, each returned only once wholly empty,
and a connection's parser is a reference cycle (``websockets``' protocol and its
generator) that waits for a full collection; larger blocks go to glibc's malloc, which
keeps what is freed for reuse. So an edge that held 10,000 connections kept its RSS
after they closed. The edge therefore runs with ``PYTHONMALLOC=malloc`` (its image, the
local launcher): small objects come from glibc too, whose ``malloc_trim`` gives back
every free page, wherever it lies, where an arena goes back only when wholly empty.

``MemoryTrim`` counts sessions as they open and once their cleanup is over. When the
count has fallen by ``after_drop`` from its highest since the last release, it waits
``delay_seconds`` (again and again while the count is still falling: a drain of
thousands takes a while) and then releases once: a full collection, then glibc's
``malloc_trim(0)``. Never per close: one release costs a full collection of what is
left and a walk of malloc's free lists (a few to a few tens of milliseconds, logged).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import os
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``; None elsewhere (musl, macOS), where only the collection runs."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_TRIM = _malloc_trim()
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes() -> int:
    """This process's RSS (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0


def release_free_memory() -> None:
    """Collect every generation, then hand malloc's free pages back to the system."""
    started, before = time.perf_counter(), resident_bytes()
    gc.collect()
    if _TRIM is not None:
        _TRIM(0)
    after = resident_bytes()
    log.info(
        "gave freed memory back to the system: RSS %.1f -> %.1f MB in %.1f ms",
        before / 2**20,
        after / 2**20,
        (time.perf_counter() - started) * 1000,
        extra={"rss_before_bytes": before, "rss_after_bytes": after},
    )


class MemoryTrim:
    """Releases free memory once a while after the sessions have dropped by
    ``after_drop`` (0: never)."""

    def __init__(
        self,
        *,
        after_drop: int,
        delay_seconds: float,
        release: Callable[[], None] = release_free_memory,
    ) -> None:
        self._after_drop = after_drop
        self._delay = delay_seconds
        self._release = release
        self._live = 0
        self._peak = 0
        """The most sessions at once since the last release."""
        self._checked = 0
        """Sessions when the timer was set (or last re-set)."""
        self._timer: asyncio.TimerHandle | None = None
        self.releases = 0

    @property
    def live(self) -> int:
        return self._live

    @property
    def pending(self) -> bool:
        """A release is due once the timer fires."""
        return self._timer is not None

    def opened(self) -> None:
        self._live += 1
        if self._live > self._peak:
            self._peak = self._live

    def closed(self) -> None:
        """A session's cleanup is over (what it held is freed)."""
        self._live -= 1
        if self._timer is None and self._after_drop and self._peak - self._live >= self._after_drop:
            self._arm()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _arm(self) -> None:
        self._checked = self._live
        self._timer = asyncio.get_running_loop().call_later(self._delay, self._due)

    def _due(self) -> None:
        self._timer = None
        if self._live < self._checked:
            self._arm()  # still falling: once it settles, one release for the whole drop
            return
        self._peak = self._live
        self.releases += 1
        try:
            self._release()
        except Exception:
            log.exception("giving freed memory back failed")
