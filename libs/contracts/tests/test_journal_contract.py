"""The journal contract, on every backend: records come back in their order, to the
moment of the read, from another connection (the next process) too."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from journal_logs import JOURNAL, journals_on_one_log
from mythos_contracts.bus.amqp_journal import AmqpJournal
from mythos_contracts.bus.journal import Journal, JournalUnavailable, MemoryJournal


@pytest.fixture(
    params=[
        "memory",
        pytest.param("amqp", marks=pytest.mark.services),
        "batched-memory",
        pytest.param("batched-amqp", marks=pytest.mark.services),
    ]
)
async def journals(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], Journal]]:
    """Opens journals on one log: as if each were another process. ``batched-*``: each
    through a ``BatchingJournal`` (the game's), which must keep the same promises."""
    async with journals_on_one_log(request, batched=request.param.startswith("batched")) as opener:
        yield opener


async def test_records_come_back_in_their_order(journals: Any) -> None:
    journal = journals()
    await journal.open()
    records = [b"record %d" % n for n in range(50)] + [b"", b"\x00\xff binary"]
    for record in records:
        await journal.append(record)

    assert await journal.read_recent(60.0) == records


async def test_appends_made_together_come_back_in_their_order(journals: Any) -> None:
    writer, follower = journals(), journals()
    await writer.open()
    await follower.open()
    got: list[bytes] = []
    await follower.follow(60.0, got.append)
    first = [b"first %d" % n for n in range(300)]
    await asyncio.gather(*(writer.append(record) for record in first))
    second = [b"second %d" % n for n in range(5)] + [b"", b"\x00mythos-journal-batch\x00"]
    await asyncio.gather(*(writer.append(record) for record in second))

    assert await writer.read_recent(60.0) == first + second
    assert await follower.caught_up() is True
    assert got == first + second


async def test_many_records_come_back_to_the_last_one(journals: Any) -> None:
    journal = journals()
    await journal.open()
    records = [b"%d" % n for n in range(1001)]  # past any batch of acks or credit
    for record in records:
        await journal.append(record)
    assert await journal.read_recent(60.0) == records


async def test_the_next_process_reads_what_the_last_one_appended(journals: Any) -> None:
    writer = journals()
    await writer.open()
    for n in range(5):
        await writer.append(b"%d" % n)
    await writer.close()

    reader = journals()
    await reader.open()
    assert await reader.read_recent(60.0) == [b"%d" % n for n in range(5)]
    await reader.append(b"5")
    assert (await reader.read_recent(60.0))[-2:] == [b"4", b"5"], "and goes on after it"


async def test_an_empty_journal_reads_as_empty(journals: Any) -> None:
    journal = journals()
    await journal.open()
    assert await journal.read_recent(60.0) == []
    assert await journal.read_recent(60.0) == [], "a read leaves nothing a reader sees"


async def test_a_follower_gets_what_was_there_then_what_comes(journals: Any) -> None:
    writer, follower = journals(), journals()
    await writer.open()
    await follower.open()
    for n in range(3):
        await writer.append(b"old %d" % n)
    got: list[bytes] = []
    await follower.follow(60.0, got.append)
    for n in range(600):  # past a batch of acks
        await writer.append(b"new %d" % n)
    assert await follower.caught_up() is True
    assert got == [b"old %d" % n for n in range(3)] + [b"new %d" % n for n in range(600)]

    await follower.unfollow(got.append)
    await writer.append(b"after")
    await asyncio.sleep(0.3)
    assert got[-1] == b"new 599", "nothing after unfollow"
    assert await follower.caught_up() is False, "no follow to be caught up with"


async def test_records_past_the_window_are_left_out() -> None:
    now = [0.0]
    journal = MemoryJournal(max_age_seconds=100.0, clock=lambda: now[0])
    await journal.append(b"old")
    now[0] = 50.0
    await journal.append(b"new")
    assert await journal.read_recent(10.0) == [b"new"]
    now[0] = 140.0
    await journal.append(b"newest")
    assert await journal.read_recent(1000.0) == [b"new", b"newest"], "past retention: gone"


@pytest.mark.services
async def test_appends_go_on_after_the_broker_drops_the_connection(amqp_url: str) -> None:
    from mythos_local.broker_drops import close_connection_named

    journal = AmqpJournal(amqp_url, JOURNAL, connection_name="journal-drop", timeout=2.0)
    await journal.open()
    await journal.append(b"before")
    await close_connection_named(amqp_url, "journal-drop")
    async with asyncio.timeout(30):
        while True:  # what a game does: append again until the journal confirms
            try:
                await journal.append(b"after")
                break
            except JournalUnavailable:
                await asyncio.sleep(0.2)
    records = await journal.read_recent(60.0)
    # An append retried after a lost confirm may be there twice: readers allow for it.
    assert records[0] == b"before" and set(records[1:]) == {b"after"}, records
    await journal.close()
