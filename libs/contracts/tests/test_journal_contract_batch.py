"""The batching journal: the records appended in one event-loop turn leave as one
message of the journal beneath, each append settled by that one confirm, and readers see
the records one by one, those written before batching too."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from journal_logs import journals_on_one_log
from mythos_contracts.bus.journal import Journal, JournalUnavailable, MemoryJournal
from mythos_contracts.bus.journal_batch import BATCH_MAGIC, BatchingJournal, pack, unpack


@pytest.fixture(params=["memory", pytest.param("amqp", marks=pytest.mark.services)])
async def streams(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], Journal]]:
    """Opens unbatched journals on one log (what the broker holds, message by message)."""
    async with journals_on_one_log(request) as opener:
        yield opener


class Gated:
    """A journal beneath that confirms only once ``gate`` is set, or fails when
    ``failure`` is; counts what it is handed."""

    def __init__(self) -> None:
        self.inner = MemoryJournal()
        self.gate = asyncio.Event()
        self.failure: Exception | None = None
        self.appended: list[bytes] = []

    async def open(self) -> None:
        return None

    async def append(self, record: bytes) -> None:
        self.appended.append(record)
        await self.gate.wait()
        if self.failure is not None:
            raise self.failure
        await self.inner.append(record)

    async def read_recent(self, seconds: float) -> list[bytes]:
        return await self.inner.read_recent(seconds)

    async def follow(self, seconds: float, deliver: Callable[[bytes], None]) -> None:
        await self.inner.follow(seconds, deliver)

    async def caught_up(self) -> bool:
        return await self.inner.caught_up()

    async def unfollow(self, deliver: Callable[[bytes], None]) -> None:
        await self.inner.unfollow(deliver)

    def on_connection_lost(self, callback: Callable[[], None]) -> None:
        return None

    async def close(self) -> None:
        await self.inner.close()


async def test_a_turns_appends_are_one_message_of_the_stream(streams: Any) -> None:
    stream = streams()
    journal = BatchingJournal(streams())
    await stream.open()
    await journal.open()
    records = [b'{"n": %d}' % n for n in range(40)]
    await asyncio.gather(*(journal.append(record) for record in records))
    await journal.append(b"alone")

    messages = await stream.read_recent(60.0)
    assert len(messages) == 2, "one message for the turn's 40 records, one for the next"
    assert unpack(messages[0]) == records
    assert messages[1] == b"alone", "a turn's lone record goes as itself"
    assert await journal.read_recent(60.0) == [*records, b"alone"]


async def test_records_written_before_batching_read_back_among_the_batches(streams: Any) -> None:
    old = streams()  # today's game: one record per message
    await old.open()
    for n in range(3):
        await old.append(b'{"old": %d}' % n)
    new = BatchingJournal(streams())
    await new.open()
    batch = [b'{"new": %d}' % n for n in range(10)]
    await asyncio.gather(*(new.append(record) for record in batch))
    await old.append(b'{"old": 3}')

    expected = [b'{"old": %d}' % n for n in range(3)] + batch + [b'{"old": 3}']
    assert await new.read_recent(60.0) == expected
    got: list[bytes] = []
    await new.follow(60.0, got.append)
    assert await new.caught_up() is True
    assert got == expected


async def test_every_append_of_a_batch_returns_only_with_its_confirm() -> None:
    beneath = Gated()
    journal = BatchingJournal(beneath)
    appends = [asyncio.ensure_future(journal.append(b"%d" % n)) for n in range(5)]
    await asyncio.sleep(0.05)
    assert len(beneath.appended) == 1, "one message for the five"
    assert not any(append.done() for append in appends), "none durable yet"

    beneath.gate.set()
    await asyncio.wait_for(asyncio.gather(*appends), 1.0)
    assert await journal.read_recent(60.0) == [b"%d" % n for n in range(5)]


async def test_a_failed_batch_fails_every_append_in_it() -> None:
    beneath = Gated()
    beneath.failure = JournalUnavailable("refused")
    beneath.gate.set()
    journal = BatchingJournal(beneath)
    results = await asyncio.gather(
        *(journal.append(b"%d" % n) for n in range(4)), return_exceptions=True
    )
    assert len(beneath.appended) == 1
    assert all(isinstance(result, JournalUnavailable) for result in results), results
    assert await journal.read_recent(60.0) == []


async def test_an_append_given_up_leaves_the_rest_of_its_batch_settled() -> None:
    beneath = Gated()
    journal = BatchingJournal(beneath)
    appends = [asyncio.ensure_future(journal.append(b"%d" % n)) for n in range(3)]
    await asyncio.sleep(0)
    appends[1].cancel()
    beneath.gate.set()
    await asyncio.gather(appends[0], appends[2])
    assert appends[1].cancelled()
    assert await journal.read_recent(60.0) == [b"0", b"1", b"2"], "sent with its batch"


async def test_a_batch_past_its_size_goes_at_once_and_the_next_record_starts_another() -> None:
    beneath = Gated()
    beneath.gate.set()
    journal = BatchingJournal(beneath, max_bytes=10)
    records = [b"abcd", b"efgh", b"ijkl", b"0123456789ab", b"mn"]
    await asyncio.gather(*(journal.append(record) for record in records))
    assert [unpack(message) for message in beneath.appended] == [
        [b"abcd", b"efgh"],
        [b"ijkl"],
        [b"0123456789ab"],
        [b"mn"],
    ]
    assert await journal.read_recent(60.0) == records

    unbatched = BatchingJournal(beneath, max_bytes=0)
    before = len(beneath.appended)
    await asyncio.gather(*(unbatched.append(record) for record in records))
    assert beneath.appended[before:] == records, "0: every record alone, as itself"


def test_a_record_that_looks_like_a_batch_is_framed_even_alone() -> None:
    record = BATCH_MAGIC + b"\x00\x00\x00\x05hello"
    assert pack([record]) != record
    assert unpack(pack([record])) == [record]
    assert unpack(pack([b"", b"x"])) == [b"", b"x"]
    assert unpack(pack([b"a", b"b"])[:-1]) == [b"a"], "a cut batch keeps what is whole"
