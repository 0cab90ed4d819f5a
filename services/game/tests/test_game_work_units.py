"""The game's unit of work (``work_units``): one unit at a time; a unit's record goes in
when it ends, also when its block raised (the error reaching the caller), and the next
unit runs after it either way."""

from __future__ import annotations

import asyncio

import pytest
from mythos_contracts.bus.journal import MemoryJournal
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_game.service_layer.journal_records import decode
from mythos_game.service_layer.links import Links
from mythos_game.service_layer.sequencer import Sequencer
from mythos_game.service_layer.stream_journal import StreamJournal
from mythos_game.service_layer.work_units import WorkUnits


async def _journalled_units() -> tuple[WorkUnits, StreamJournal, MemoryJournal]:
    bus = InMemoryBus(InMemoryBroker())
    await bus.connect()
    records = MemoryJournal()
    journal = StreamJournal(records, bus, Sequencer(), Links())
    return WorkUnits(journal, None), journal, records


async def test_units_run_one_at_a_time_in_the_order_they_came() -> None:
    units, _, _ = await _journalled_units()
    steps: list[str] = []

    async def unit(name: str) -> None:
        async with units.unit(f"d-{name}"):
            steps.append(f"{name} in")
            await asyncio.sleep(0.01)
            steps.append(f"{name} out")

    await asyncio.gather(unit("a"), unit("b"))
    assert steps == ["a in", "a out", "b in", "b out"]


async def test_a_unit_that_raises_is_still_recorded_and_the_next_one_runs() -> None:
    units, journal, records = await _journalled_units()
    with pytest.raises(RuntimeError, match="the command failed"):
        async with units.unit("d-1", "p-1", defer=True):
            assert journal.in_unit
            raise RuntimeError("the command failed")
    assert not journal.in_unit
    async with asyncio.timeout(1):  # the lock was given back
        async with units.unit("d-2", defer=True):
            pass
    await journal.settled()
    recorded = [decode(raw) for raw in await records.read_recent(60)]
    assert [r.delivery_id for r in recorded] == ["d-1", "d-2"]
    assert recorded[0].closed == ["p-1"]  # touched, with no stream open


async def test_without_a_journal_a_unit_still_holds_the_lock() -> None:
    units = WorkUnits(None, None)
    with pytest.raises(ValueError):
        async with units.unit("d-1"):
            raise ValueError
    async with asyncio.timeout(1):
        async with units.unit("d-2"):
            pass
