"""The bus contract for publishing, on every backend: ``publish`` and ``publish_many``
return only once the broker confirmed every message, keep the order they were called in,
and raise when the broker refuses; every delivery carries its publisher's user and the
command id it was published for; both adapters count what they publish and deliver in
the shared bus metrics (see the module doc of ``mythos_contracts.bus.port``)."""

from __future__ import annotations

import asyncio

import aio_pika
import pytest
from aiormq.exceptions import AMQPError
from bus_contract_support import BusFactory, Collector
from bus_contract_support import connected as _connected
from mythos_contracts.bus import Delivery, amqp_retry
from mythos_contracts.bus.amqp import AmqpBus, QueueType
from mythos_contracts.ops.log_lines import current_log_context, log_context
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    DEFAULT_SHARD,
    DEFAULT_SHARD_INBOX,
    EVENTS_EXCHANGE,
    command_key,
    player_key,
    player_pattern,
    room_key,
    room_pattern,
)
from prometheus_client import REGISTRY


async def test_both_adapters_count_published_and_delivered_messages(
    bus_factory: BusFactory,
) -> None:
    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    published = sample("mythos_bus_published_total", exchange=COMMANDS_EXCHANGE)
    acked = sample("mythos_bus_delivered_total", queue=DEFAULT_SHARD_INBOX, outcome="ack")
    dead = sample("mythos_bus_delivered_total", queue=DEFAULT_SHARD_INBOX, outcome="dead_letter")
    bus = await _connected(bus_factory, "game")
    ok = Collector()

    async def handler(delivery: Delivery) -> None:
        if delivery.body == b"poison":
            raise ValueError("cannot handle this")
        await ok(delivery)

    await bus.consume(DEFAULT_SHARD_INBOX, handler)
    for body in (b"a", b"poison", b"b"):
        await bus.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p1"), body)
    await ok.wait_for(2)
    await asyncio.sleep(0.1)  # the settle of the last delivery follows its handler
    assert sample("mythos_bus_published_total", exchange=COMMANDS_EXCHANGE) == published + 3
    assert (
        sample("mythos_bus_delivered_total", queue=DEFAULT_SHARD_INBOX, outcome="ack") == acked + 2
    )
    assert (
        sample("mythos_bus_delivered_total", queue=DEFAULT_SHARD_INBOX, outcome="dead_letter")
        == dead + 1
    )


@pytest.mark.parametrize("queue_type", ["classic", "quorum"])
async def test_a_batch_whose_confirms_fail_raises_and_counts_only_what_was_confirmed(
    amqp_url: str, queue_type: QueueType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The broker refuses (nacks) what does not fit a full ``reject-publish`` queue: the
    batch is reported failed, not lost in silence, and the bus goes on publishing."""
    monkeypatch.setattr(amqp_retry, "PUBLISH_RETRY_SECONDS", -1.0)  # no waiting to retry
    game = AmqpBus(amqp_url, connection_name="game", queue_type=queue_type)
    await game.connect()
    admin = await aio_pika.connect(amqp_url)
    try:
        channel = await admin.channel()
        # Classic whatever the bus's own queues are: a quorum queue applies
        # reject-publish with a lag, so a burst may all fit.
        full = await channel.declare_queue(
            "mythos.test.full",
            durable=True,
            arguments={
                "x-max-length": 2,
                "x-overflow": "reject-publish",
                "x-queue-type": "classic",
            },
        )
        await full.bind(EVENTS_EXCHANGE, player_pattern("p7"))
        published = (
            REGISTRY.get_sample_value("mythos_bus_published_total", {"exchange": EVENTS_EXCHANGE})
            or 0.0
        )
        key = player_key("p7", "chat_message")
        with pytest.raises(AMQPError):
            await game.publish_many(EVENTS_EXCHANGE, [(key, b"%d" % n) for n in range(4)])
        assert (
            REGISTRY.get_sample_value("mythos_bus_published_total", {"exchange": EVENTS_EXCHANGE})
            == published + 2
        )
        await game.publish(EVENTS_EXCHANGE, player_key("p8", "chat_message"), b"still works")
        assert [(await full.get()).body for _ in range(2)] == [b"0", b"1"]
    finally:
        await admin.close()
        await game.close()


async def test_a_command_id_travels_with_the_messages_published_for_it(
    bus_factory: BusFactory,
) -> None:
    edge = await _connected(bus_factory, "edge")
    game = await _connected(bus_factory, "game")
    seen: list[tuple[dict[str, str], dict[str, str]]] = []

    async def handler(delivery: Delivery) -> None:
        seen.append((dict(delivery.headers), current_log_context()))

    await game.consume(DEFAULT_SHARD_INBOX, handler)
    with log_context(command_id="c-42", player_id="p1"):
        await edge.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p1"), b"with")
    await edge.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p1"), b"without")
    async with asyncio.timeout(5):
        while len(seen) < 2:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    (with_headers, with_context), (without_headers, without_context) = seen
    assert with_headers == {"command_id": "c-42"}  # the cause; not the player
    assert with_context == {"command_id": "c-42"}  # what the consumer's lines carry
    assert without_headers == {} and without_context == {}


async def test_every_delivery_names_its_publishers_user(
    bus_factory: BusFactory, request: pytest.FixtureRequest
) -> None:
    edge = await _connected(bus_factory, "edge")
    game = await _connected(bus_factory, "game")
    got = Collector()
    await game.consume(DEFAULT_SHARD_INBOX, got)
    await edge.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p1"), b"look")
    (delivery,) = await got.wait_for(1)
    # The AMQP suite connects every bus as the URL's user (per-service users and the
    # broker's refusal of a forged user_id: test_bus_access.py).
    memory = request.node.callspec.params["bus_factory"] == "memory"
    assert delivery.user_id == ("edge" if memory else "guest")


async def test_publish_many_keeps_order_and_returns_once_all_are_confirmed(
    bus_factory: BusFactory,
) -> None:
    edge = await _connected(bus_factory, "edge")
    await edge.declare_queue("mythos.edge.many", durable=False, dead_letter=False)
    await edge.bind("mythos.edge.many", EVENTS_EXCHANGE, room_pattern("hall"))
    await edge.bind("mythos.edge.many", EVENTS_EXCHANGE, player_pattern("p1"))
    game = await _connected(bus_factory, "game")
    published = (
        REGISTRY.get_sample_value("mythos_bus_published_total", {"exchange": EVENTS_EXCHANGE})
        or 0.0
    )
    # Two routing keys interleaved, as a room event and a player's own copy are.
    batch = [
        (room_key("hall", "chat_message") if n % 3 else player_key("p1", "room_update"), b"%d" % n)
        for n in range(300)
    ]
    await game.publish_many(EVENTS_EXCHANGE, batch, persistent=False)
    # Returned means confirmed: every message counts, and closing the connection at once
    # (dropping whatever was only written) loses none of them.
    assert (
        REGISTRY.get_sample_value("mythos_bus_published_total", {"exchange": EVENTS_EXCHANGE})
        == published + 300
    )
    await game.close()
    got = Collector()
    await edge.consume("mythos.edge.many", got)
    await got.wait_for(300)
    await asyncio.sleep(0.2)
    assert [d.body for d in got.items] == [body for _, body in batch]
    assert got.keys() == [key for key, _ in batch]


async def test_publish_many_of_nothing_returns(bus_factory: BusFactory) -> None:
    game = await _connected(bus_factory, "game")
    await game.publish_many(EVENTS_EXCHANGE, [])


async def test_publish_many_raises_when_the_broker_refuses(
    bus_factory: BusFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(amqp_retry, "PUBLISH_RETRY_SECONDS", -1.0)  # no waiting to retry
    game = await _connected(bus_factory, "game")
    # "amq." names are the broker's own: RabbitMQ refuses to declare one, the in-process
    # broker knows no such exchange.
    with pytest.raises((AMQPError, LookupError)):
        await game.publish_many("amq.mythos-missing", [("k", b"1"), ("k", b"2")])


async def test_publishes_started_together_arrive_in_the_order_they_were_called(
    bus_factory: BusFactory,
) -> None:
    # The game stamps numbers, then publishes: a later call (a lone control message) must
    # not overtake an earlier batch whose messages are not yet on the wire.
    edge = await _connected(bus_factory, "edge")
    await edge.declare_queue("mythos.edge.calls", durable=False, dead_letter=False)
    await edge.bind("mythos.edge.calls", EVENTS_EXCHANGE, player_pattern("p1"))
    game = await _connected(bus_factory, "game")
    key = player_key("p1", "chat_message")
    await game.publish(EVENTS_EXCHANGE, key, b"0")  # the exchange is known from here on
    await asyncio.gather(
        game.publish_many(EVENTS_EXCHANGE, [(key, b"1"), (key, b"2")], persistent=False),
        game.publish(EVENTS_EXCHANGE, key, b"3", persistent=False),
        game.publish_many(EVENTS_EXCHANGE, [(key, b"4"), (key, b"5")], persistent=False),
        game.publish(EVENTS_EXCHANGE, key, b"6", persistent=False),
    )
    got = Collector()
    await edge.consume("mythos.edge.calls", got)
    await got.wait_for(7)
    await asyncio.sleep(0.2)
    assert [d.body for d in got.items] == [b"%d" % n for n in range(7)]
