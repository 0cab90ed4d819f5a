"""Ends a game whose event loop stopped turning, so a standby takes the shard over.

A game whose loop hangs (a handler stuck in a busy loop, a deadlock in a C extension)
keeps its broker connection: the heartbeats go out from the I/O layer's timers only
while the loop turns, but a frozen loop can still hold the single-active queue for the
broker's heartbeat timeout, and commands wait. A thread outside the loop watches a
timestamp the loop refreshes every ``seconds / 4``; when it is older than ``seconds``,
the process exits at once (code 70, as on a lost journal), the broker hands the queue
to the standby, and the standby continues from the journal.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable

from mythos_game.service_layer.stream_journal import JOURNAL_LOST_EXIT_CODE

log = logging.getLogger(__name__)


def _exit(stalled: float) -> None:
    log.critical(
        "the event loop has not turned for %.1fs: exiting so the standby takes over", stalled
    )
    logging.shutdown()
    os._exit(JOURNAL_LOST_EXIT_CODE)


class LoopWatchdog:
    def __init__(
        self,
        seconds: float,
        on_stall: Callable[[float], None] = _exit,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seconds = seconds
        self._on_stall = on_stall
        self._clock = clock
        self._last = clock()
        self._stop = threading.Event()
        self._beat: asyncio.TimerHandle | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start watching the running loop."""
        loop = asyncio.get_running_loop()
        self._last = self._clock()
        self._refresh(loop)
        self._thread = threading.Thread(target=self._watch, name="loop watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.cancel()

    def _refresh(self, loop: asyncio.AbstractEventLoop) -> None:
        self._last = self._clock()
        self._beat = loop.call_later(self._seconds / 4, self._refresh, loop)

    def _watch(self) -> None:
        while not self._stop.wait(self._seconds / 4):
            stalled = self._clock() - self._last
            if stalled > self._seconds:
                self._on_stall(stalled)
                return
