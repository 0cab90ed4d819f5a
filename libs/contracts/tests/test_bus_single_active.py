"""The bus contract for single-active queues (the game's inbox), on every backend: one
consumer gets the deliveries while the others wait, and when its connection dies the
next one takes over with what the first had not acked, first and in order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.routing import COMMANDS_EXCHANGE, GAME_COMMANDS_QUEUE, command_key


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
    await first.consume(GAME_COMMANDS_QUEUE, active, prefetch=50)
    await second.consume(GAME_COMMANDS_QUEUE, standby, prefetch=50)
    for n in range(8):
        await edge.publish(COMMANDS_EXCHANGE, command_key("p1"), b"%d" % n)
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
    await first.consume(GAME_COMMANDS_QUEUE, active)
    await second.consume(GAME_COMMANDS_QUEUE, standby)
    for n in range(20):
        await edge.publish(COMMANDS_EXCHANGE, command_key("p1"), b"%d" % n)
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
    inbox = queues[GAME_COMMANDS_QUEUE]
    assert inbox["type"] == "quorum"
    assert ["x-single-active-consumer", "bool", True] in inbox["arguments"], inbox
    assert queues["mythos.persistence.saves"]["type"] == "classic"  # the others as told
