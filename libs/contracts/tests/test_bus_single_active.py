"""The bus contract for single-active queues (the game's inbox), on every backend: one
consumer gets the deliveries while the others wait, and when its connection dies the
next one takes over with what the first had not acked, first and in order.

Also settlements (group commit), which the game's inbox relies on: a handler that returns
an awaitable has its delivery acked once that completes, in delivery order, while the
consumer goes on; a failed settlement stops the consumer, and what it did not ack comes
back when its connection ends."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from mythos_contracts.bus import Bus, Delivery, Settlement
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    DEFAULT_SHARD,
    DEFAULT_SHARD_INBOX,
    command_key,
)


class Recorder:
    def __init__(self, *, hold: bool = False) -> None:
        self.items: list[Delivery] = []
        self.changed = asyncio.Event()
        self._hold = hold

    async def __call__(self, delivery: Delivery) -> None:
        self.items.append(delivery)
        self.changed.set()
        if self._hold:
            await asyncio.Event().wait()  # never finishes: nothing is acked

    async def wait_for(self, count: int, timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.items) < count:
                self.changed.clear()
                await self.changed.wait()


async def connected(buses: Any, name: str) -> Bus:
    bus: Bus = buses(name)
    await bus.connect()
    return bus


async def test_a_standby_takes_the_queue_over_in_order_when_the_active_dies(
    bus_factory: Any,
) -> None:
    edge = await connected(bus_factory, "edge")
    first = await connected(bus_factory, "game-1")
    second = await connected(bus_factory, "game-2")
    active, standby = Recorder(hold=True), Recorder()
    await first.consume(DEFAULT_SHARD_INBOX, active, prefetch=50)
    await second.consume(DEFAULT_SHARD_INBOX, standby, prefetch=50)
    for n in range(8):
        await edge.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p1"), b"%d" % n)
    await active.wait_for(1)
    await asyncio.sleep(0.5)  # time for a wrong delivery to the standby
    assert [d.body for d in active.items] == [b"0"], "one in hand, the rest behind it"
    assert standby.items == [], "the standby must get nothing while the active lives"

    await bus_factory.drop("game-1")

    await standby.wait_for(8)
    await asyncio.sleep(0.3)
    assert [d.body for d in standby.items] == [b"%d" % n for n in range(8)]
    assert standby.items[0].redelivered, "the one in hand comes back marked redelivered"


async def test_a_consumer_that_comes_later_waits_behind_the_active_one(
    bus_factory: Any,
) -> None:
    edge = await connected(bus_factory, "edge")
    first = await connected(bus_factory, "game-1")
    second = await connected(bus_factory, "game-2")
    active, standby = Recorder(), Recorder()
    await first.consume(DEFAULT_SHARD_INBOX, active)
    await second.consume(DEFAULT_SHARD_INBOX, standby)
    for n in range(20):
        await edge.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p1"), b"%d" % n)
    await active.wait_for(20)
    await asyncio.sleep(0.3)
    assert [d.body for d in active.items] == [b"%d" % n for n in range(20)]
    assert standby.items == []


@pytest.mark.services
async def test_the_game_inbox_is_a_quorum_single_active_queue_on_classic_vhosts(
    amqp_url: str,
) -> None:
    import json
    from urllib.parse import unquote, urlsplit

    from mythos_contracts.bus.amqp import AmqpBus

    bus = AmqpBus(amqp_url, connection_name="game", queue_type="classic")
    await bus.connect()
    vhost = unquote(urlsplit(amqp_url).path[1:])
    listed = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "type", "arguments",
        "--formatter", "json", stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await listed.communicate()
    await bus.close()
    queues = {q["name"]: q for q in json.loads(out)}
    inbox = queues[DEFAULT_SHARD_INBOX]
    assert inbox["type"] == "quorum"
    assert ["x-single-active-consumer", "bool", True] in inbox["arguments"], inbox
    assert queues["mythos.persistence.saves"]["type"] == "classic"  # the others as told


class Deferring:
    """Returns one unresolved future per delivery: the test settles them."""

    def __init__(self) -> None:
        self.items: list[Delivery] = []
        self.settlements: list[asyncio.Future[None]] = []
        self.changed = asyncio.Event()

    async def __call__(self, delivery: Delivery) -> Settlement:
        self.items.append(delivery)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.settlements.append(future)
        self.changed.set()
        return future

    async def wait_for(self, count: int, timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.items) < count:
                self.changed.clear()
                await self.changed.wait()

    def settle(self, *numbers: int) -> None:
        for n in numbers:
            self.settlements[n].set_result(None)


async def _active_and_standby(bus_factory: Any) -> tuple[Bus, Deferring, Recorder]:
    edge = await connected(bus_factory, "edge")
    active_bus = await connected(bus_factory, "game-1")
    standby_bus = await connected(bus_factory, "game-2")
    active, standby = Deferring(), Recorder()
    await active_bus.consume(DEFAULT_SHARD_INBOX, active, prefetch=50)
    await standby_bus.consume(DEFAULT_SHARD_INBOX, standby, prefetch=50)
    return edge, active, standby


async def _publish(edge: Bus, numbers: range) -> None:
    for n in numbers:
        await edge.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p1"), b"%d" % n)


def _bodies(items: list[Delivery]) -> list[bytes]:
    return [d.body for d in items]


async def test_the_consumer_goes_on_while_settlements_wait_and_acks_what_settled(
    bus_factory: Any,
) -> None:
    edge, active, standby = await _active_and_standby(bus_factory)
    await _publish(edge, range(5))

    await active.wait_for(5)  # none settled yet: handling did not wait for them
    assert _bodies(active.items) == [b"%d" % n for n in range(5)]
    active.settle(0, 1)
    await asyncio.sleep(0.5)  # time for the ack to reach the broker
    await bus_factory.drop("game-1")

    await standby.wait_for(3)
    await asyncio.sleep(0.3)
    assert _bodies(standby.items) == [b"2", b"3", b"4"], "settled ones are acked, no more"
    assert all(d.redelivered for d in standby.items)


async def test_a_delivery_is_acked_only_after_every_one_before_it(bus_factory: Any) -> None:
    edge, active, standby = await _active_and_standby(bus_factory)
    await _publish(edge, range(4))
    await active.wait_for(4)

    active.settle(1, 2, 3)  # not the first: a multiple ack would cover it
    await asyncio.sleep(0.5)
    await bus_factory.drop("game-1")

    await standby.wait_for(4)
    await asyncio.sleep(0.3)
    assert _bodies(standby.items) == [b"%d" % n for n in range(4)]


async def test_a_failed_settlement_stops_the_consumer_and_the_rest_come_back(
    bus_factory: Any,
) -> None:
    edge, active, standby = await _active_and_standby(bus_factory)
    await _publish(edge, range(3))
    await active.wait_for(3)
    active.settle(0)
    active.settlements[1].set_exception(RuntimeError("not confirmed"))
    active.settle(2)
    await asyncio.sleep(0.5)

    await _publish(edge, range(3, 6))
    await asyncio.sleep(0.5)
    assert len(active.items) == 3, "a consumer whose settlement failed takes nothing more"
    assert standby.items == [], "the queue is still the stopped consumer's"

    await bus_factory.drop("game-1")
    await standby.wait_for(5)
    await asyncio.sleep(0.3)
    assert _bodies(standby.items) == [b"%d" % n for n in range(1, 6)]


async def test_stop_consuming_waits_for_the_settlements_in_hand(bus_factory: Any) -> None:
    edge, active, standby = await _active_and_standby(bus_factory)
    active_bus = bus_factory.made[1]
    await _publish(edge, range(3))
    await active.wait_for(3)

    stopping = asyncio.create_task(active_bus.stop_consuming())
    await asyncio.sleep(0.3)
    assert not stopping.done(), "a stop must wait for what it has not settled"
    active.settle(0, 1, 2)
    async with asyncio.timeout(10):
        await stopping
    await bus_factory.drop("game-1")

    await asyncio.sleep(1.0)
    assert standby.items == [], "every settled delivery was acked before the stop ended"


async def test_a_settlement_that_fails_while_stopping_comes_back(bus_factory: Any) -> None:
    edge, active, standby = await _active_and_standby(bus_factory)
    active_bus = bus_factory.made[1]
    await _publish(edge, range(3))
    await active.wait_for(3)

    stopping = asyncio.create_task(active_bus.stop_consuming())
    await asyncio.sleep(0.3)
    active.settle(0)
    active.settlements[1].set_exception(RuntimeError("not confirmed"))
    active.settle(2)
    async with asyncio.timeout(10):
        with contextlib.suppress(asyncio.CancelledError):
            await stopping
    await bus_factory.drop("game-1")

    await standby.wait_for(2)
    await asyncio.sleep(0.3)
    assert _bodies(standby.items) == [b"1", b"2"], "the failed one and those after it"
