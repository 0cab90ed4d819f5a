"""The services' stdout log handler: one write per event-loop turn, not one per line.

A line is formatted when it is logged (what it says never depends on what happens
later), then kept in a buffer that ``loop.call_soon`` writes, in one ``write`` and one
flush, when the loop turns: a game handling many commands in one turn writes their
``command handled`` lines together. The buffer is written at once instead

* when no event loop runs in the logging thread (start-up, shutdown, other threads);
* for a line at ``WARNING`` or above (with everything before it, in order);
* when it holds ``MAX_BUFFERED_CHARS`` characters (default 65,536);
* on ``flush()`` and ``close()``: ``logging.shutdown()``, which Python runs at exit and
  which ``exit_now`` and the loop watchdog call before ``os._exit``.

What a crash can lose: a process killed outright (SIGKILL, the OOM killer) loses the
lines logged since its loop last turned that were below WARNING, never more than
``MAX_BUFFERED_CHARS`` characters. A loop that never turns (stuck in one callback) keeps
its lines until the cap, a WARNING line or exit; the game's watchdog logs CRITICAL,
which writes them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TextIO

MAX_BUFFERED_CHARS = 65_536
"""Buffered lines are written once they hold this many characters (64 Ki)."""


class TurnBufferedHandler(logging.StreamHandler[TextIO]):
    def __init__(self, stream: TextIO, max_buffered_chars: int = MAX_BUFFERED_CHARS) -> None:
        super().__init__(stream)
        self.max_buffered_chars = max_buffered_chars
        self._lines: list[str] = []
        self._chars = 0
        # The loop a write is scheduled on (None: none is): a loop closed before its
        # callback ran must not leave later lines waiting for it.
        self._write_on: asyncio.AbstractEventLoop | None = None

    def emit(self, record: logging.LogRecord) -> None:
        # Called with the handler's lock held (``Handler.handle``).
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self._keep(line, record.levelno)

    def take(self, line: str, levelno: int) -> None:
        """A line its caller formatted (``log_lines.info_line``), kept as ``emit`` keeps
        a record's, under the lock ``handle`` holds for ``emit``."""
        self.acquire()
        try:
            self._keep(line, levelno)
        finally:
            self.release()

    def _keep(self, line: str, levelno: int) -> None:
        self._lines.append(line)
        self._chars += len(line) + 1
        if levelno >= logging.WARNING or self._chars >= self.max_buffered_chars:
            self.flush()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        if self._write_on is not loop:
            loop.call_soon(self.flush)
            self._write_on = loop

    def flush(self) -> None:
        """Write the buffered lines in one write, and flush the stream."""
        self.acquire()
        try:
            self._write_on = None
            if not self._lines:
                return
            text = self.terminator.join(self._lines) + self.terminator
            count = len(self._lines)
            self._lines.clear()
            self._chars = 0
            try:
                self.stream.write(text)
                super().flush()
            except Exception:
                # As ``StreamHandler.emit`` reports a line it could not write.
                self.handleError(_unwritten(count))
        finally:
            self.release()

    def close(self) -> None:
        """Write what is buffered first (``logging.shutdown`` flushes too; a handler
        closed by hand does not)."""
        self.flush()
        super().close()


def _unwritten(count: int) -> logging.LogRecord:
    return logging.LogRecord(
        __name__, logging.ERROR, __file__, 0, "%d log lines not written", (count,), None
    )
