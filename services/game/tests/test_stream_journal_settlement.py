"""A unit's settlement (``stream_journal``, group commit), with each confirm held by the
test: a unit's record is queued before its messages and both after every earlier
unit's; its settlement completes only once its record and its messages are confirmed,
in whichever order they come; what a record counts as published follows the units'
order; a refusal, a failed send or a confirm past the deadline tells ``on_lost`` once,
fails the settlement and every later wait, and a late unit's sends are cancelled; with
a batch in flight (``BatchingJournal(in_flight=1)``), the units ending meanwhile leave
together, their records as one, once it is confirmed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import pytest
from mythos_contracts.bus.journal import Deliver, JournalUnavailable, SubmittingJournal
from mythos_contracts.bus.journal_batch import BatchingJournal, unpack
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.routing import EVENTS_EXCHANGE, PERSISTENCE_EXCHANGE
from mythos_game.service_layer.journal_records import decode
from mythos_game.service_layer.links import Links
from mythos_game.service_layer.sequencer import HistoryLimits, Sequencer
from mythos_game.service_layer.stream_journal import StreamJournal


class _Wire:
    """What left, in order, and one confirm per record or send, released by the test."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.confirms: dict[str, asyncio.Future[None]] = {}
        self.cancelled: list[str] = []

    def sending(self, name: str) -> asyncio.Future[None]:
        self.sent.append(name)
        confirm = self.confirms[name] = asyncio.get_running_loop().create_future()
        return confirm

    def confirm(self, name: str, error: BaseException | None = None) -> None:
        if error is None:
            self.confirms[name].set_result(None)
        else:
            self.confirms[name].set_exception(error)


class _HeldJournal:
    """A ``SubmittingJournal`` whose records are confirmed when the test says."""

    def __init__(self, wire: _Wire) -> None:
        self.wire = wire
        self.records: list[bytes] = []

    def submit(self, record: bytes) -> Awaitable[None]:
        self.records.append(record)
        numbers = "+".join(str(decode(each).number) for each in unpack(record))
        return self.wire.sending(f"record {numbers}")

    async def append(self, record: bytes) -> None:
        await self.submit(record)

    async def open(self) -> None:
        return None

    async def read_recent(self, seconds: float) -> list[bytes]:
        return list(self.records)

    async def follow(self, seconds: float, deliver: Deliver) -> None:
        return None

    async def caught_up(self) -> bool:
        return True

    async def unfollow(self, deliver: Deliver) -> None:
        return None

    def on_connection_lost(self, callback: Callable[[], None]) -> None:
        return None

    async def close(self) -> None:
        return None


class _HeldBus(InMemoryBus):
    """Publishes confirmed when the test says: each named by its first routing key."""

    def __init__(self, wire: _Wire) -> None:
        super().__init__(InMemoryBroker())
        self.wire = wire

    async def publish_many(
        self, exchange: str, messages: Sequence[tuple[str, bytes]], *, persistent: bool = True
    ) -> None:
        name = messages[0][0]
        try:
            await self.wire.sending(name)
        except asyncio.CancelledError:
            self.wire.cancelled.append(name)
            raise

    async def publish(
        self,
        exchange: str,
        routing_key: str,
        body: bytes,
        *,
        persistent: bool = True,
        correlation_id: str | None = None,
        reply_to: str | None = None,
    ) -> None:
        await self.publish_many(exchange, [(routing_key, body)], persistent=persistent)


def _recorder(
    wire: _Wire,
    *,
    append_timeout: float = 30.0,
    on_lost: Callable[[], None] = lambda: None,
    in_flight: int | None = None,
) -> tuple[StreamJournal, _HeldJournal]:
    """``in_flight``: through a ``BatchingJournal`` holding records past that many
    unconfirmed batches (the game's group commit)."""
    journal = _HeldJournal(wire)
    assert isinstance(journal, SubmittingJournal)
    recorder = StreamJournal(
        journal if in_flight is None else BatchingJournal(journal, in_flight=in_flight),
        _HeldBus(wire),
        Sequencer(HistoryLimits(100, 120.0)),
        Links(),
        append_timeout=append_timeout,
        on_lost=on_lost,
    )
    return recorder, journal


async def _unit(recorder: StreamJournal, name: str, *, exchange: str = EVENTS_EXCHANGE) -> object:
    """A deferred unit publishing one message keyed ``name``; returns its settlement."""
    async with recorder.unit(f"delivery {name}", defer=True):
        await recorder.bus.publish(exchange, name, b"{}", persistent=False)
    settlement = recorder.take_settlement()
    assert settlement is not None
    return settlement


async def _turns(n: int = 8) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def test_each_record_leaves_before_its_messages_and_units_leave_in_order() -> None:
    wire = _Wire()
    recorder, _ = _recorder(wire)
    await _unit(recorder, "a")
    await _unit(recorder, "b")
    await _turns()
    assert wire.sent == ["record 1", "record 2", "a", "b"]


@pytest.mark.parametrize("in_flight", [0, 1])
async def test_units_ending_while_a_record_is_unconfirmed_leave_together_after_it(
    in_flight: int,
) -> None:
    wire = _Wire()
    recorder, _ = _recorder(wire, in_flight=in_flight)
    settlements = []
    for name in ("a", "b", "c"):
        settlements.append(asyncio.ensure_future(await _unit(recorder, name)))
        await _turns()
    if in_flight == 0:
        assert wire.sent == ["record 1", "a", "record 2", "b", "record 3", "c"]
        return
    assert wire.sent == ["record 1", "a"], "b and c held: record 1 is unconfirmed"
    wire.confirm("a")
    await _turns()
    assert wire.sent == ["record 1", "a"], "only the record's confirm hands them on"

    wire.confirm("record 1")
    await _turns()
    assert wire.sent == ["record 1", "a", "record 2+3", "b", "c"], "one record, then theirs"
    assert settlements[0].done() and not settlements[1].done()
    for name in ("record 2+3", "b", "c"):
        wire.confirm(name)
    await _turns()
    assert all(each.done() and each.exception() is None for each in settlements)


@pytest.mark.parametrize("first", ["record 1", "a"])
async def test_a_settlement_completes_only_once_its_record_and_messages_are_confirmed(
    first: str,
) -> None:
    wire = _Wire()
    recorder, _ = _recorder(wire)
    settlement = asyncio.ensure_future(await _unit(recorder, "a"))
    await _turns()
    wire.confirm(first)
    await _turns()
    assert not settlement.done(), f"only {first} confirmed"
    wire.confirm("a" if first == "record 1" else "record 1")
    await _turns()
    assert settlement.done() and settlement.exception() is None


async def test_what_a_record_counts_as_published_follows_the_units_order() -> None:
    wire = _Wire()
    recorder, journal = _recorder(wire)
    first = asyncio.ensure_future(await _unit(recorder, "a"))
    second = asyncio.ensure_future(await _unit(recorder, "b"))
    await _turns()
    wire.confirm("record 2")
    wire.confirm("b")
    await _turns()
    assert second.done() and not first.done(), "each unit's settlement is its own"
    await _unit(recorder, "c")
    assert decode(journal.records[-1]).published_through == 0, "unit 1 is not confirmed"
    wire.confirm("record 1")
    wire.confirm("a")
    await _turns()
    await _unit(recorder, "d")
    assert decode(journal.records[-1]).published_through == 2, "units 1 and 2 now"


async def test_a_unit_not_deferred_returns_once_every_unit_so_far_is_confirmed() -> None:
    wire = _Wire()
    recorder, _ = _recorder(wire)
    await _unit(recorder, "a")

    async def tick() -> None:
        async with recorder.unit():
            await recorder.bus.publish(EVENTS_EXCHANGE, "tick", b"{}", persistent=False)

    ticking = asyncio.ensure_future(tick())
    await _turns()
    for name in ("record 1", "a", "record 2"):
        wire.confirm(name)
        await _turns()
        assert not ticking.done(), f"confirmed up to {name}"
    wire.confirm("tick")
    await _turns()
    assert ticking.done() and ticking.exception() is None


@pytest.mark.parametrize("failing", ["record 1", "a"])
async def test_a_refused_record_or_send_tells_on_lost_once_and_fails_every_wait(
    failing: str,
) -> None:
    wire = _Wire()
    lost: list[bool] = []
    recorder, _ = _recorder(wire, on_lost=lambda: lost.append(True))
    settlement = asyncio.ensure_future(await _unit(recorder, "a"))
    later = asyncio.ensure_future(await _unit(recorder, "b"))
    await _turns()
    wire.confirm(failing, RuntimeError("refused"))
    await _turns()
    assert lost == [True]
    assert isinstance(settlement.exception(), RuntimeError)
    for name in ("record 2", "b"):
        wire.confirm(name)
    await _turns()
    assert later.done() and later.exception() is None, "its own confirms came"
    with pytest.raises(JournalUnavailable):
        await recorder.settled()
    assert lost == [True], "told once"


async def test_a_unit_unconfirmed_past_the_deadline_is_lost_and_its_sends_cancelled() -> None:
    wire = _Wire()
    lost = asyncio.Event()
    recorder, _ = _recorder(wire, append_timeout=0.05, on_lost=lost.set)
    settlement = asyncio.ensure_future(await _unit(recorder, "a"))
    await _turns()
    wire.confirm("record 1")
    await asyncio.wait_for(lost.wait(), 10)
    await _turns()
    assert settlement.done() and (
        settlement.cancelled() or isinstance(settlement.exception(), asyncio.CancelledError)
    )
    assert wire.cancelled == ["a"], "the late send is given up"
    with pytest.raises(JournalUnavailable):
        await recorder.settled()


async def test_a_unit_sending_to_two_exchanges_sends_each_once_the_one_before_is_confirmed() -> (
    None
):
    wire = _Wire()
    recorder, _ = _recorder(wire)
    ending = asyncio.ensure_future(_two_exchanges(recorder))
    await _turns()
    assert wire.sent == ["record 1", "save"], "the answer waits for the save's confirm"
    wire.confirm("save")
    await _turns()
    assert wire.sent == ["record 1", "save", "answer"]
    wire.confirm("record 1")
    await _turns()
    assert not ending.done(), "a later unit waits for the answer too"
    wire.confirm("answer")
    await _turns()
    assert ending.done() and ending.exception() is None


async def _two_exchanges(recorder: StreamJournal) -> None:
    async with recorder.unit("delivery", defer=True):
        await recorder.bus.publish(PERSISTENCE_EXCHANGE, "save", b"{}")
        await recorder.bus.publish(EVENTS_EXCHANGE, "answer", b"{}", persistent=False)
    assert recorder.take_settlement() is None, "waited for under the lock"
