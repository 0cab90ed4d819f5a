"""The AMQP adapter's binding channels, on the real RabbitMQ: many keys bound and unbound
at once over several channels (``amqp_topology.BINDING_CHANNELS``), and after the broker
drops the connection exactly the keys still bound are bound again (an unbind must be
forgotten by the channel that made the binding, or the reconnect would restore it)."""

from __future__ import annotations

import asyncio

import pytest
from bus_contract_support import Collector
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.routing import EVENTS_EXCHANGE, player_key, player_pattern
from mythos_local.broker_drops import close_connection_named

QUEUE = "mythos.edge.binding-channels"


@pytest.mark.services
async def test_keys_unbound_side_by_side_stay_unbound_after_a_reconnect(amqp_url: str) -> None:
    edge = AmqpBus(amqp_url, connection_name="binding-edge")
    game = AmqpBus(amqp_url, connection_name="binding-game")
    await edge.connect()
    await game.connect()
    try:
        await edge.declare_queue(QUEUE, exclusive=True, dead_letter=False)
        got = Collector()
        await edge.consume(QUEUE, got)
        players = [f"p{i}" for i in range(40)]
        await asyncio.gather(
            *(edge.bind(QUEUE, EVENTS_EXCHANGE, player_pattern(p)) for p in players)
        )
        leaving, staying = players[::2], players[1::2]
        await asyncio.gather(
            *(edge.unbind(QUEUE, EVENTS_EXCHANGE, player_pattern(p)) for p in leaving)
        )
        await _publish_all(game, players, "before")
        await got.wait_for(len(staying))

        await close_connection_named(amqp_url, "binding-edge")
        # The robust connection comes back: the queue (exclusive: gone with the
        # connection) is declared again, its bindings restored, its consumer started.
        async with asyncio.timeout(30):
            while unseen := [p for p in staying if f"probe {p}".encode() not in _bodies(got)]:
                await _publish_all(game, unseen, "probe")
                await asyncio.sleep(0.5)
        got.items.clear()
        await _publish_all(game, players, "after")
        await got.wait_for(len(staying), timeout=10)
        await asyncio.sleep(0.3)  # anything for a key unbound before the drop would be here
        assert sorted(d.body.decode() for d in got.items) == sorted(f"after {p}" for p in staying)
    finally:
        await edge.close()
        await game.close()


async def _publish_all(bus: AmqpBus, players: list[str], label: str) -> None:
    for p in players:
        await bus.publish(EVENTS_EXCHANGE, player_key(p, "chat_message"), f"{label} {p}".encode())


def _bodies(got: Collector) -> set[bytes]:
    return {d.body for d in got.items}
