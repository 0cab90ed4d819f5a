"""A journal over any journal: the records appended during one event-loop turn leave as
one record of the journal beneath (one broker message, one publish, one confirm).

Under load a game finishes several units of work in one turn (group commit), each with
its own record; each message costs the broker a publish, a stream write and a confirm.
``BatchingJournal`` keeps the records of a turn and hands them on together when the
turn ends, and that one confirm settles every append in it. Everything else of the
journal port holds record by record (``journal.py``): appends return once durable and
keep their order, across batches and within one; a batch that fails fails every append
in it; readers (``read_recent``, ``follow``) get the records one by one.

Group commit across turns (``in_flight``): with that many batches handed on and not yet
confirmed, a turn's records are held and the next turns' join them; the first confirm
hands them all on as one batch. Under load a batch then holds what arrived during one
confirm round trip instead of one turn's (fewer messages for the broker to write and
confirm); a lone record waits for nothing. A caller that publishes after ``submit`` (so
after the record) does so from ``when_queued`` (``HoldingJournal``).

The framing: a batch is ``BATCH_MAGIC`` then each record as a 4-byte big-endian length
and its bytes. A turn's lone record goes as itself, so a message without the magic is
one record: what an unbatched journal wrote (a stream written before batching) reads
back as it was. A record that itself starts with the magic is framed, even alone. So a
journal written without this wrapper must hold no record starting with the magic (the
game's records are JSON): read it through the wrapper, never the other way round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from mythos_contracts.bus.journal import Deliver, Journal, JournalUnavailable, SubmittingJournal

log = logging.getLogger(__name__)

BATCH_MAGIC = b"\x00mythos-journal-batch\x00"
_LENGTH_BYTES = 4
DEFAULT_MAX_BYTES = 1_000_000
"""A batch past this many bytes of records goes at once, the next record starts another
(a record larger than this goes alone)."""


def pack(records: list[bytes]) -> bytes:
    """One message for ``records``: a lone record as itself, unless it starts with the
    magic."""
    if len(records) == 1 and not records[0].startswith(BATCH_MAGIC):
        return records[0]
    parts = [BATCH_MAGIC]
    for record in records:
        parts.append(len(record).to_bytes(_LENGTH_BYTES, "big"))
        parts.append(record)
    return b"".join(parts)


def unpack(message: bytes) -> list[bytes]:
    """The records of one message of the journal beneath, in their order."""
    if not message.startswith(BATCH_MAGIC):
        return [message]
    records: list[bytes] = []
    view = memoryview(message)
    at, end = len(BATCH_MAGIC), len(message)
    while at < end:
        length = int.from_bytes(view[at : at + _LENGTH_BYTES], "big")
        at += _LENGTH_BYTES
        if at + length > end:
            # Never written so: a reader keeps what is whole and says so.
            log.error("a journal batch is cut short after %d record(s)", len(records))
            break
        records.append(bytes(view[at : at + length]))
        at += length
    return records


class BatchingJournal:
    """``inner``: the journal the batches go to (a ``SubmittingJournal`` queues each
    batch at once, so it leaves in the socket write of the turn it closes).
    ``max_bytes``: see ``DEFAULT_MAX_BYTES``; 0 sends every record at once, alone.
    ``in_flight``: at most this many batches unconfirmed, the next held meanwhile (a
    full batch, and what a read or ``close`` needs out, goes regardless); 0: no limit,
    each turn's batch goes when the turn ends."""

    def __init__(
        self, inner: Journal, *, max_bytes: int = DEFAULT_MAX_BYTES, in_flight: int = 0
    ) -> None:
        self._inner = inner
        self._max_bytes = max_bytes
        self._in_flight = max(0, in_flight)
        self._unconfirmed = 0
        self._then: list[Callable[[], None]] = []
        self._send_inner: Callable[[bytes], Awaitable[None]] = (
            inner.submit if isinstance(inner, SubmittingJournal) else inner.append
        )
        self._records: list[bytes] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._size = 0
        self._turn_end: asyncio.Handle | None = None
        self._follows: dict[Deliver, Deliver] = {}

    async def open(self) -> None:
        await self._inner.open()

    def submit(self, record: bytes) -> asyncio.Future[None]:
        """``append`` in two steps: ``record`` joins this turn's batch before this
        returns (so what the caller publishes next in this turn leaves after it); the
        future is done once the batch is durable, or failed with it."""
        loop = asyncio.get_running_loop()
        if self._records and self._size + len(record) > self._max_bytes:
            self._send(force=True)
        waiter: asyncio.Future[None] = loop.create_future()
        self._records.append(bytes(record))
        self._waiters.append(waiter)
        self._size += len(record)
        if self._size >= self._max_bytes:
            self._send(force=True)
        elif self._turn_end is None and not self._holding():
            self._turn_end = loop.call_soon(self._send)
        return waiter

    def when_queued(self, then: Callable[[], None]) -> bool:
        """``HoldingJournal``: ``then`` once the records submitted so far are handed on,
        if they are held."""
        if not self._records or self._turn_end is not None:
            # Handed on at this turn's end, before anything its caller publishes later.
            return False
        self._then.append(then)
        return True

    def _holding(self) -> bool:
        return 0 < self._in_flight <= self._unconfirmed

    async def append(self, record: bytes) -> None:
        await self.submit(record)

    def _send(self, *, force: bool = False) -> None:
        """Hand the batch to the journal beneath (unless held: ``in_flight``); its
        confirm settles every waiter, and hands on what was held meanwhile."""
        if self._turn_end is not None:
            self._turn_end.cancel()
            self._turn_end = None
        if not self._records or (self._holding() and not force):
            return
        records, waiters = self._records, self._waiters
        self._records, self._waiters, self._size = [], [], 0
        self._unconfirmed += 1
        sending = asyncio.ensure_future(self._send_inner(pack(records)))
        sending.add_done_callback(lambda done: self._confirmed(done, waiters))
        then, self._then = self._then, []
        for each in then:
            try:
                each()
            except Exception:  # one caller's failure must not hold the others' back
                log.exception("a caller waiting for its journal record failed")

    def _confirmed(
        self, sending: asyncio.Future[None], waiters: list[asyncio.Future[None]]
    ) -> None:
        self._unconfirmed -= 1
        if not sending.cancelled():  # (cancelled: the loop is closing)
            # What was held goes first: its callers' messages wait for it (``when_queued``).
            self._send()
        _settle(sending, waiters)

    async def read_recent(self, seconds: float) -> list[bytes]:
        self._send(force=True)  # this turn's records before the read's marker
        return [
            record
            for message in await self._inner.read_recent(seconds)
            for record in unpack(message)
        ]

    async def follow(self, seconds: float, deliver: Deliver) -> None:
        def each(message: bytes) -> None:
            for record in unpack(message):
                deliver(record)

        self._follows[deliver] = each
        await self._inner.follow(seconds, each)

    async def caught_up(self) -> bool:
        self._send(force=True)
        return await self._inner.caught_up()

    async def unfollow(self, deliver: Deliver) -> None:
        each = self._follows.pop(deliver, None)
        if each is not None:
            await self._inner.unfollow(each)

    def on_connection_lost(self, callback: Callable[[], None]) -> None:
        self._inner.on_connection_lost(callback)

    async def close(self) -> None:
        self._send(force=True)  # what is left goes, or fails with the closing journal
        self._follows.clear()
        await self._inner.close()


def _settle(sending: asyncio.Future[None], waiters: list[asyncio.Future[None]]) -> None:
    cancelled = sending.cancelled()  # (the loop closing): each append is cancelled too
    error = None if cancelled else sending.exception()
    for waiter in waiters:
        if waiter.done():
            continue  # its caller stopped waiting
        if cancelled:
            waiter.cancel()
        elif error is None:
            waiter.set_result(None)
        else:
            # One exception each: an exception object raised in several tasks would
            # gather every one's traceback.
            failed = JournalUnavailable(f"the journal batch was not confirmed: {error!r}")
            failed.__cause__ = error
            waiter.set_exception(failed)
