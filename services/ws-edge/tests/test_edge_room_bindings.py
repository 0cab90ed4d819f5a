"""Binding changes of different keys go out side by side; those of one key keep their
order, so a player who comes back during their old session's unbind stays bound."""

from __future__ import annotations

import asyncio

import pytest
from mythos_contracts.bus import Delivery
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.routing import EVENTS_EXCHANGE, player_key, player_pattern
from mythos_edge.service_layer.room_bindings import RoomBindings

QUEUE = "mythos.edge.t"


class GatedBus(InMemoryBus):
    """The in-process bus, whose binds and unbinds wait at a gate while it is shut: what
    is in flight at once can be counted, whatever the speed of the machine."""

    def __init__(self, broker: InMemoryBroker) -> None:
        super().__init__(broker)
        self.gate = asyncio.Event()
        self.gate.set()
        self.in_flight = 0
        self.most_in_flight = 0
        self.calls: list[tuple[str, str]] = []

    async def _through_gate(self, kind: str, pattern: str) -> None:
        self.calls.append((kind, pattern))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.gate.wait()
        finally:
            self.in_flight -= 1

    async def bind(self, queue: str, exchange: str, pattern: str) -> None:
        await self._through_gate("bind", pattern)
        await super().bind(queue, exchange, pattern)

    async def unbind(self, queue: str, exchange: str, pattern: str) -> None:
        await self._through_gate("unbind", pattern)
        await super().unbind(queue, exchange, pattern)


async def _bus() -> tuple[GatedBus, list[bytes]]:
    bus = GatedBus(InMemoryBroker())
    await bus.connect()
    await bus.declare_queue(QUEUE, exclusive=True, dead_letter=False)
    got: list[bytes] = []

    async def collect(delivery: Delivery) -> None:
        got.append(delivery.body)

    await bus.consume(QUEUE, collect)
    bus.calls.clear()  # the fixed topology's, bound on connect
    return bus, got


async def _spin() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_many_sessions_ending_send_their_unbinds_without_waiting_for_each_other() -> None:
    bus, _ = await _bus()
    bindings = RoomBindings(bus, QUEUE)
    players = [player_pattern(f"p{i}") for i in range(50)]
    for pattern in players:
        await bindings.acquire(pattern)
    bus.gate.clear()
    releases = [asyncio.create_task(bindings.release(pattern)) for pattern in players]
    await _spin()
    # Every unbind is on its way before the first one is answered (one lock over all of
    # them sent one, then waited for its answer before the next).
    assert bus.in_flight == 50
    bus.gate.set()
    await asyncio.gather(*releases)
    assert bindings.bound() == {}
    assert bus.calls.count(("unbind", players[0])) == 1
    assert not [b for b in bus._broker.exchanges[EVENTS_EXCHANGE] if b[0] == QUEUE]
    await bus.close()


async def test_no_more_changes_are_in_flight_than_the_limit() -> None:
    bus, _ = await _bus()
    bindings = RoomBindings(bus, QUEUE, in_flight=8)
    bus.gate.clear()
    joins = [asyncio.create_task(bindings.acquire(player_pattern(f"p{i}"))) for i in range(30)]
    await _spin()
    assert bus.in_flight == 8
    bus.gate.set()
    await asyncio.gather(*joins)
    assert bus.most_in_flight == 8 and len(bindings.bound()) == 30
    await bus.close()


async def test_a_player_back_during_their_old_unbind_waits_for_it_and_stays_bound() -> None:
    bus, got = await _bus()
    bindings = RoomBindings(bus, QUEUE)
    pattern = player_pattern("alice")
    await bindings.acquire(pattern)
    bus.gate.clear()
    old_session_ends = asyncio.create_task(bindings.release(pattern))
    await _spin()
    assert bus.calls[-1] == ("unbind", pattern) and bus.in_flight == 1
    new_session_opens = asyncio.create_task(bindings.acquire(pattern))
    await _spin()
    # The bind waits for the unbind: sent beside it, it could reach the broker first and
    # the unbind then take the new session's binding away.
    assert not new_session_opens.done() and bus.in_flight == 1
    bus.gate.set()
    await asyncio.gather(old_session_ends, new_session_opens)
    assert bus.calls[-2:] == [("unbind", pattern), ("bind", pattern)]
    assert bindings.bound() == {pattern: 1}
    await bus.publish(EVENTS_EXCHANGE, player_key("alice", "chat_message"), b"still here")
    await asyncio.sleep(0.01)
    assert got == [b"still here"]
    await bus.close()


async def test_a_release_and_an_acquire_meeting_during_a_bind_cost_no_more_round_trips() -> None:
    bus, _ = await _bus()
    bindings = RoomBindings(bus, QUEUE)
    pattern = player_pattern("bob")
    bus.gate.clear()
    first = asyncio.create_task(bindings.acquire(pattern))
    await _spin()
    second = asyncio.create_task(bindings.acquire(pattern))
    await _spin()
    assert not second.done()  # bound only once the bind in flight is answered
    release = asyncio.create_task(bindings.release(pattern))
    bus.gate.set()
    await asyncio.gather(first, second, release)
    assert bus.calls == [("bind", pattern)]
    assert bindings.bound() == {pattern: 1}
    await bus.close()


async def test_a_bind_that_fails_is_not_counted() -> None:
    failing = InMemoryBus(InMemoryBroker())  # no queue declared: the bind raises
    await failing.connect()
    bindings = RoomBindings(failing, QUEUE)
    with pytest.raises(LookupError):
        await bindings.acquire(player_pattern("carol"))
    assert bindings.bound() == {}
    await failing.close()
