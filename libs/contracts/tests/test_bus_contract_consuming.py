"""The bus contract for consuming and request/reply, on every backend: a consumer
handles one delivery at a time in queue order; returning acks it and raising dead-letters
it; an ack never covers a delivery still in hand; ``stop_consuming`` finishes the one in
hand and hands back the rest; a consumer lives on when its connection drops; ``request``
correlates each reply with its request, or times out (see the module doc of
``mythos_contracts.bus.port``; settlements and single-active queues:
test_bus_single_active.py)."""

from __future__ import annotations

import asyncio
from urllib.parse import unquote, urlsplit

import pytest
from bus_contract_support import BusFactory, Collector
from bus_contract_support import connected as _connected
from mythos_contracts.bus import Delivery, RequestTimeout
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    DEAD_LETTER_QUEUE,
    DEFAULT_SHARD,
    DEFAULT_SHARD_INBOX,
    PERSISTENCE_EXCHANGE,
    PERSISTENCE_REQUESTS_QUEUE,
    command_key,
    load_request_key,
)


async def test_commands_wait_durably_until_a_consumer_starts(bus_factory: BusFactory) -> None:
    edge = await _connected(bus_factory, "edge")
    for i in range(5):
        await edge.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p1"), str(i).encode())
    game = await _connected(bus_factory, "game")
    got = Collector()
    await game.consume(DEFAULT_SHARD_INBOX, got)
    await got.wait_for(5)
    assert [d.body for d in got.items] == [b"0", b"1", b"2", b"3", b"4"]


async def test_deliveries_are_handled_one_at_a_time_in_order(bus_factory: BusFactory) -> None:
    bus = await _connected(bus_factory, "game")
    active = 0
    peak = 0
    seen: list[bytes] = []
    done = asyncio.Event()

    async def slow(delivery: Delivery) -> None:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.01)
        seen.append(delivery.body)
        active -= 1
        if len(seen) == 20:
            done.set()

    await bus.consume(DEFAULT_SHARD_INBOX, slow)
    for i in range(20):
        await bus.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p1"), str(i).encode())
    async with asyncio.timeout(10):
        await done.wait()
    assert peak == 1
    assert seen == [str(i).encode() for i in range(20)]


async def test_a_failing_handler_dead_letters_and_moves_on(bus_factory: BusFactory) -> None:
    game = await _connected(bus_factory, "game")
    dead = Collector()
    await game.consume(DEAD_LETTER_QUEUE, dead)
    ok = Collector()

    async def handler(delivery: Delivery) -> None:
        if delivery.body == b"poison":
            raise ValueError("cannot handle this")
        await ok(delivery)

    await game.consume(DEFAULT_SHARD_INBOX, handler)
    await game.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p1"), b"poison")
    await game.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p1"), b"fine")
    await ok.wait_for(1)
    await dead.wait_for(1)
    assert dead.items[0].body == b"poison"
    assert ok.items[0].body == b"fine"


async def test_request_reply_correlates_answers(bus_factory: BusFactory) -> None:
    server = await _connected(bus_factory, "persistence")
    client = await _connected(bus_factory, "game")

    async def echo(delivery: Delivery) -> None:
        await server.reply(delivery, b"re:" + delivery.body)

    await server.consume(PERSISTENCE_REQUESTS_QUEUE, echo)
    key = load_request_key("load_player")
    answers = await asyncio.gather(
        *(client.request(PERSISTENCE_EXCHANGE, key, f"q{i}".encode()) for i in range(10))
    )
    assert answers == [f"re:q{i}".encode() for i in range(10)]


async def test_request_without_a_server_times_out(bus_factory: BusFactory) -> None:
    client = await _connected(bus_factory, "game")
    with pytest.raises(RequestTimeout):
        await client.request(
            PERSISTENCE_EXCHANGE, load_request_key("load_player"), b"{}", timeout=0.3
        )


async def test_queue_depths_count_what_waits_behind_the_delivery_in_hand(
    bus_factory: BusFactory,
) -> None:
    bus = await _connected(bus_factory, "game")
    started, release = asyncio.Event(), asyncio.Event()

    async def blocked(delivery: Delivery) -> None:
        started.set()
        await release.wait()

    await bus.consume(DEFAULT_SHARD_INBOX, blocked, prefetch=1)
    for i in range(5):
        await bus.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p1"), str(i).encode())
    async with asyncio.timeout(5):
        await started.wait()
    assert await bus.queue_depths() == {DEFAULT_SHARD_INBOX: 4}
    release.set()


async def test_stop_consuming_finishes_the_delivery_in_hand_and_hands_back_the_rest(
    bus_factory: BusFactory,
) -> None:
    game = await _connected(bus_factory, "game")
    started, release = asyncio.Event(), asyncio.Event()
    handled: list[bytes] = []

    async def slow(delivery: Delivery) -> None:
        started.set()
        await release.wait()
        handled.append(delivery.body)

    await game.consume(DEFAULT_SHARD_INBOX, slow)
    for i in range(5):
        await game.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p1"), str(i).encode())
    async with asyncio.timeout(5):
        await started.wait()
    stopping = asyncio.create_task(game.stop_consuming())
    await asyncio.sleep(0.2)
    assert not stopping.done(), "stop_consuming returned before the delivery in hand finished"
    release.set()
    async with asyncio.timeout(5):
        await stopping
    assert handled == [b"0"]

    # Another consumer (the next pod) gets the rest, in order, and not the finished one.
    successor = await _connected(bus_factory, "game-2")
    rest = Collector()
    await successor.consume(DEFAULT_SHARD_INBOX, rest)
    await rest.wait_for(4)
    await asyncio.sleep(0.2)
    assert [d.body for d in rest.items] == [b"1", b"2", b"3", b"4"]


async def test_stop_consuming_keeps_requests_working(bus_factory: BusFactory) -> None:
    server = await _connected(bus_factory, "persistence")
    client = await _connected(bus_factory, "game")

    async def echo(delivery: Delivery) -> None:
        await server.reply(delivery, delivery.body.upper())

    await server.consume(PERSISTENCE_REQUESTS_QUEUE, echo)
    await client.consume(DEFAULT_SHARD_INBOX, Collector())
    assert await client.request(PERSISTENCE_EXCHANGE, load_request_key("load_player"), b"a") == b"A"
    await client.stop_consuming()
    assert await client.request(PERSISTENCE_EXCHANGE, load_request_key("load_player"), b"b") == b"B"


async def test_an_ack_never_covers_a_delivery_whose_handler_has_not_finished(
    bus_factory: BusFactory,
) -> None:
    """Acks may be batched (one ``multiple`` ack for many deliveries), but a crash in the
    middle of a handler must give back exactly that delivery and those behind it."""
    game = await _connected(bus_factory, "game")
    started, handled = asyncio.Event(), list[bytes]()

    async def handler(delivery: Delivery) -> None:
        if delivery.body == b"2":
            started.set()
            await asyncio.Event().wait()  # still at work when the process dies
        handled.append(delivery.body)

    await game.consume(DEFAULT_SHARD_INBOX, handler)
    await game.publish_many(
        COMMANDS_EXCHANGE, [(command_key(DEFAULT_SHARD, "p1"), b"%d" % n) for n in range(6)]
    )
    async with asyncio.timeout(5):
        await started.wait()
    await asyncio.sleep(0.2)  # whatever acks are due have been written
    await game.close()  # no graceful stop: the delivery in hand is abandoned
    assert handled == [b"0", b"1"]

    successor = await _connected(bus_factory, "game-2")
    rest = Collector()
    await successor.consume(DEFAULT_SHARD_INBOX, rest)
    await rest.wait_for(4)
    await asyncio.sleep(0.2)
    assert sorted(d.body for d in rest.items) == [b"2", b"3", b"4", b"5"]


async def test_acks_keep_up_with_a_long_stream_of_deliveries(bus_factory: BusFactory) -> None:
    # More deliveries than the prefetch window: batched acks must free it as they go.
    game = await _connected(bus_factory, "game")
    got = Collector()
    await game.consume(DEFAULT_SHARD_INBOX, got, prefetch=8)
    await game.publish_many(
        COMMANDS_EXCHANGE, [(command_key(DEFAULT_SHARD, "p1"), b"%d" % n) for n in range(200)]
    )
    await got.wait_for(200, timeout=20)
    assert [d.body for d in got.items] == [b"%d" % n for n in range(200)]
    assert await game.queue_depths() == {DEFAULT_SHARD_INBOX: 0}


async def test_a_consumer_goes_on_after_its_connection_drops_with_deliveries_waiting(
    amqp_url: str,
) -> None:
    """Deliveries prefetched on a channel that then closed are left to the broker, which
    delivers them again on the new channel; the consumer must live on to handle them."""
    edge = AmqpBus(amqp_url, connection_name="edge")
    game = AmqpBus(amqp_url, connection_name="game")
    await edge.connect()
    await game.connect()
    release, first, every = asyncio.Event(), asyncio.Event(), asyncio.Event()
    seen: list[bytes] = []

    async def handler(delivery: Delivery) -> None:
        seen.append(delivery.body)
        first.set()
        if {str(i).encode() for i in range(5)} <= set(seen):
            every.set()
        await release.wait()  # the first one is in hand while the others wait behind it

    await game.consume(DEFAULT_SHARD_INBOX, handler)
    for i in range(5):
        await edge.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p1"), str(i).encode())
    async with asyncio.timeout(10):
        await first.wait()
    vhost = unquote(urlsplit(amqp_url).path[1:])
    dropped = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", "close_all_connections", "--vhost", vhost, "test: drop",
    )  # fmt: skip
    assert await dropped.wait() == 0
    release.set()
    async with asyncio.timeout(30):  # the robust connection comes back within seconds
        await every.wait()
    await game.close()
    await edge.close()
