"""The game's recording bus passes a message routed by several keys (``publish_routed``)
to the real bus: outside a unit at once, inside one after the unit so far is recorded
and published, so it never overtakes what the unit published before it."""

from __future__ import annotations

import asyncio

from mythos_contracts.bus.journal import MemoryJournal
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.bus.port import Delivery
from mythos_contracts.routing import EVENTS_EXCHANGE
from mythos_game.service_layer.journal_records import decode
from mythos_game.service_layer.links import Links
from mythos_game.service_layer.sequencer import HistoryLimits, Sequencer
from mythos_game.service_layer.stream_journal import StreamJournal


async def _recorder() -> tuple[StreamJournal, MemoryJournal, list[Delivery]]:
    """A recorder on an in-process bus, with one queue bound to two keys."""
    bus = InMemoryBus(InMemoryBroker())
    await bus.connect()
    await bus.declare_queue("q.both", dead_letter=False)
    for pattern in ("room.a.#", "player.x.#"):
        await bus.bind("q.both", EVENTS_EXCHANGE, pattern)
    got: list[Delivery] = []

    async def collect(delivery: Delivery) -> None:
        got.append(delivery)

    await bus.consume("q.both", collect)
    journal = MemoryJournal()
    recorder = StreamJournal(journal, bus, Sequencer(HistoryLimits(100, 120.0)), Links())
    return recorder, journal, got


async def _arrived(got: list[Delivery], count: int) -> list[bytes]:
    async with asyncio.timeout(5):
        while len(got) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)  # time for a copy too many
    return [d.body for d in got]


async def test_outside_a_unit_a_routed_message_goes_straight_to_the_bus() -> None:
    recorder, journal, got = await _recorder()
    keys = ["room.a.say", "player.x.tell"]
    await recorder.bus.publish_routed(EVENTS_EXCHANGE, keys, b"routed")
    assert await _arrived(got, 1) == [b"routed"]
    assert await journal.read_recent(60) == []


async def test_inside_a_unit_it_leaves_after_what_the_unit_published_before_it() -> None:
    recorder, journal, got = await _recorder()
    async with recorder.unit("d-1"):
        await recorder.bus.publish(EVENTS_EXCHANGE, "room.a.enter", b"held")
        keys = ["room.a.say", "player.x.tell", "room.a.say"]
        await recorder.bus.publish_routed(EVENTS_EXCHANGE, keys, b"routed")
        await recorder.bus.publish(EVENTS_EXCHANGE, "player.x.look", b"after")
    assert await _arrived(got, 3) == [b"held", b"routed", b"after"]
    records = [decode(record) for record in await journal.read_recent(60)]
    assert [[entry.body for entry in r.outbox] for r in records] == [[b"held"], [b"after"]]
