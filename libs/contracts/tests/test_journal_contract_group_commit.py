"""Group commit in the batching journal (``in_flight``): while a batch is unconfirmed,
the records of later turns are held and go as one batch with its confirm; a caller that
publishes after its record does so from ``when_queued``, in order; a full batch, a read
and ``close`` hand held records on regardless; the records read back in their order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from journal_logs import journals_on_one_log
from mythos_contracts.bus.journal import Deliver, HoldingJournal, MemoryJournal
from mythos_contracts.bus.journal_batch import BatchingJournal, unpack


class Confirmable:
    """A submitting journal beneath: each message queued at once (``queued``), confirmed
    when the test says (``confirm``: the oldest unconfirmed)."""

    def __init__(self) -> None:
        self.inner = MemoryJournal()
        self.queued: list[bytes] = []
        self._confirms: list[tuple[bytes, asyncio.Future[None]]] = []

    def submit(self, message: bytes) -> asyncio.Future[None]:
        self.queued.append(message)
        confirm = asyncio.get_running_loop().create_future()
        self._confirms.append((message, confirm))
        return confirm

    async def append(self, message: bytes) -> None:
        await self.submit(message)

    async def confirm(self) -> None:
        message, confirm = self._confirms.pop(0)
        await self.inner.append(message)
        confirm.set_result(None)
        await _turns()

    async def open(self) -> None:
        return None

    async def read_recent(self, seconds: float) -> list[bytes]:
        return await self.inner.read_recent(seconds)

    async def follow(self, seconds: float, deliver: Deliver) -> None:
        await self.inner.follow(seconds, deliver)

    async def caught_up(self) -> bool:
        return await self.inner.caught_up()

    async def unfollow(self, deliver: Deliver) -> None:
        await self.inner.unfollow(deliver)

    def on_connection_lost(self, callback: Callable[[], None]) -> None:
        return None

    async def close(self) -> None:
        return None


async def _turns(n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def _append_in_turns(journal: BatchingJournal, records: list[bytes]) -> list[Any]:
    """Each record appended in a turn of its own; the appends still running."""
    appends = []
    for record in records:
        appends.append(asyncio.ensure_future(journal.append(record)))
        await _turns()
    return appends


@pytest.mark.parametrize("in_flight", [0, 1])
async def test_turns_that_end_while_a_batch_is_unconfirmed_go_as_one_with_its_confirm(
    in_flight: int,
) -> None:
    beneath = Confirmable()
    journal = BatchingJournal(beneath, in_flight=in_flight)
    appends = await _append_in_turns(journal, [b"a", b"b", b"c"])
    if in_flight == 0:
        assert beneath.queued == [b"a", b"b", b"c"], "no limit: a message per turn"
        return
    assert beneath.queued == [b"a"], "b and c held while a is unconfirmed"
    assert not any(append.done() for append in appends)

    await beneath.confirm()
    assert appends[0].done() and not appends[1].done()
    assert [unpack(message) for message in beneath.queued] == [[b"a"], [b"b", b"c"]]
    await beneath.confirm()
    assert all(append.done() for append in appends)
    assert await journal.read_recent(60.0) == [b"a", b"b", b"c"]

    await _append_in_turns(journal, [b"d"])
    assert beneath.queued[-1] == b"d", "nothing unconfirmed: the next turn's goes at once"


async def test_callers_publish_after_their_held_records_in_their_order() -> None:
    beneath = Confirmable()
    journal = BatchingJournal(beneath, in_flight=1)
    assert isinstance(journal, HoldingJournal)
    called: list[tuple[str, list[bytes]]] = []

    def then(name: str) -> Callable[[], None]:
        return lambda: called.append((name, list(beneath.queued)))

    first = journal.submit(b"a")
    assert journal.when_queued(then("a")) is False, "queued at this turn's end, unheld"
    await _turns()
    second = journal.submit(b"b")
    assert journal.when_queued(then("b")) is True
    assert journal.when_queued(then("b again")) is True
    await _turns()
    assert called == [], "b's record is held"

    await beneath.confirm()
    assert first.done() and not second.done()
    held = [b"a", next(m for m in beneath.queued if m != b"a")]
    assert called == [("b", held), ("b again", held)], "in order, once b is queued beneath"


async def test_a_full_batch_a_read_and_close_hand_held_records_on() -> None:
    beneath = Confirmable()
    journal = BatchingJournal(beneath, max_bytes=8, in_flight=1)
    await _append_in_turns(journal, [b"a"])
    await _append_in_turns(journal, [b"0123", b"4567"])
    assert [unpack(m) for m in beneath.queued] == [[b"a"], [b"0123", b"4567"]], "full: it goes"

    await _append_in_turns(journal, [b"x"])
    reading = asyncio.ensure_future(journal.read_recent(60.0))
    await _turns()
    assert beneath.queued[-1] == b"x", "a read hands the held record on first"
    reading.cancel()

    await _append_in_turns(journal, [b"y"])
    called: list[str] = []
    assert journal.when_queued(lambda: called.append("y")) is True
    await journal.close()
    assert beneath.queued[-1] == b"y" and called == ["y"], "close hands it on"


@pytest.fixture(params=["memory", pytest.param("amqp", marks=pytest.mark.services)])
async def streams(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], Any]]:
    async with journals_on_one_log(request) as opener:
        yield opener


async def test_held_batches_read_back_in_order_from_another_journal(streams: Any) -> None:
    writer = BatchingJournal(streams(), in_flight=1)
    reader = streams()
    await writer.open()
    await reader.open()
    records = [b'{"n": %d}' % n for n in range(60)]
    appends = await _append_in_turns(writer, records)
    await asyncio.wait_for(asyncio.gather(*appends), 30.0)
    messages = await reader.read_recent(60.0)
    assert [record for message in messages for record in unpack(message)] == records
    if isinstance(reader, MemoryJournal):
        # Confirmed as it is queued: no record ever waits for an earlier one's confirm.
        assert len(messages) == len(records)
    else:
        # Confirmed a round trip later: the records of the turns meanwhile went together.
        assert len(messages) < len(records)
    await writer.close()
