"""The journal port: an append-only log that outlives the process writing it.

A game writes one record per handled input (what it changed in its players' streams and
every message it is about to publish) *before* publishing anything, and reads the
recent records back when it starts: so a game killed with kill -9 is continued by the
next one without a resync (docs/architecture.md, "A crash of the game").

Semantics every adapter keeps (one contract suite, ``test_journal_contract.py``):

* ``append`` returns once the record is durable (RabbitMQ: a stream's publisher
  confirm); records are kept in the order of their appends.
* ``read_recent(seconds)`` returns every record appended in the last ``seconds`` up to
  the moment of the call, oldest first, and possibly a few older ones (RabbitMQ seeks a
  stream by time chunk by chunk): a reader must not mind those. ``math.inf``: every
  record the journal still keeps.
* A record is bytes; the journal never looks inside. An append retried after a lost
  confirm may leave the record twice: readers allow for it.
* Records older than the retention (``max_age_seconds``) may be gone.
* ``follow(seconds, deliver)`` hands ``deliver`` the records of the last ``seconds`` and
  then each new one, in order, until ``unfollow(deliver)``; ``caught_up()`` returns True once
  ``deliver`` has had every record appended before the call, or False when the follow
  broke (a lost connection may re-read or skip records: read the journal instead).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from mythos_contracts.ops.metrics import bus_published

Deliver = Callable[[bytes], None]


class JournalUnavailable(RuntimeError):
    """The journal could not take or give records in time."""


class Journal(Protocol):
    async def open(self) -> None:
        """Connect, and create the journal if it does not exist yet."""

    async def append(self, record: bytes) -> None:
        """Add ``record`` at the end; returns once it is durable. Raises
        ``JournalUnavailable`` when that cannot be known."""

    async def read_recent(self, seconds: float) -> list[bytes]:
        """The records of the last ``seconds`` (at least), oldest first."""

    async def follow(self, seconds: float, deliver: Deliver) -> None:
        """Start handing ``deliver`` the records of the last ``seconds``, then each new
        one as it is appended (a standby keeping warm)."""

    async def caught_up(self) -> bool:
        """True once ``deliver`` has had every record appended before this call; False
        when the follow broke (then ``read_recent``)."""

    async def unfollow(self, deliver: Deliver) -> None:
        """``deliver`` gets no more records."""

    def on_connection_lost(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` as soon as the journal's connection is found lost (not on
        ``close``), before it reconnects: no append goes out on a new connection before
        it has run. Holds across ``close`` and ``open`` again."""

    async def close(self) -> None: ...


@runtime_checkable
class SubmittingJournal(Journal, Protocol):
    """A journal that can queue a record at once: what its caller publishes after
    ``submit`` returns leaves after the record (``BatchingJournal`` hands its batches on
    so, as soon as the turn that fills them ends)."""

    def submit(self, record: bytes) -> Awaitable[None]:
        """``append`` in two steps: ``record`` is queued before this returns; awaiting
        the result waits for it to be durable, as ``append`` does."""
        ...


@runtime_checkable
class HoldingJournal(SubmittingJournal, Protocol):
    """A submitting journal that may hold what is submitted while earlier records are
    unconfirmed (group commit: ``BatchingJournal`` with ``in_flight``): a caller that
    publishes after ``submit`` does so from ``when_queued``."""

    def when_queued(self, then: Callable[[], None]) -> bool:
        """False when every record submitted so far is queued beneath (``then`` is not
        called); else True, and ``then`` is called as soon as they are (at the latest on
        ``close``), in the order of these calls, before anything else runs."""
        ...


class MemoryJournal:
    """The in-process journal (embedded mode, tests): one list that outlives each game
    started on it inside the process, as a stream outlives a game pod."""

    def __init__(
        self, max_age_seconds: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max_age = max_age_seconds
        self._clock = clock
        self._records: deque[tuple[float, bytes]] = deque()
        self._followers: list[Deliver] = []

    async def open(self) -> None:
        return None

    async def append(self, record: bytes) -> None:
        now = self._clock()
        self._records.append((now, bytes(record)))
        bus_published("").inc()  # as the stream's journal counts its records
        while self._records and now - self._records[0][0] > self._max_age:
            self._records.popleft()
        for deliver in list(self._followers):
            deliver(bytes(record))

    async def follow(self, seconds: float, deliver: Deliver) -> None:
        for record in await self.read_recent(seconds):
            deliver(record)
        self._followers.append(deliver)

    async def caught_up(self) -> bool:
        return bool(self._followers)  # appends reach followers as they are made

    async def unfollow(self, deliver: Deliver) -> None:
        if deliver in self._followers:
            self._followers.remove(deliver)

    async def read_recent(self, seconds: float) -> list[bytes]:
        since = self._clock() - seconds
        return [record for at, record in self._records if at >= since]

    def on_connection_lost(self, callback: Callable[[], None]) -> None:
        """An in-process journal has no connection to lose: never called."""

    async def close(self) -> None:
        self._followers.clear()
