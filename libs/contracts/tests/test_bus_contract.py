"""One contract suite for both bus adapters: RabbitMQ (real broker) and in-process."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

import aio_pika
import pytest
from aiormq.exceptions import AMQPError
from mythos_contracts.bus import Bus, Delivery, RequestTimeout, amqp_retry
from mythos_contracts.bus.amqp import AmqpBus, QueueType
from mythos_contracts.ops.log_lines import current_log_context, log_context
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    DEAD_LETTER_QUEUE,
    EVENTS_EXCHANGE,
    GAME_COMMANDS_QUEUE,
    PERSISTENCE_EXCHANGE,
    PERSISTENCE_REQUESTS_QUEUE,
    PERSISTENCE_SAVES_QUEUE,
    command_key,
    load_request_key,
    player_key,
    player_pattern,
    room_key,
    room_pattern,
)
from prometheus_client import REGISTRY

BusFactory = Callable[[str], Bus]


async def _connected(factory: BusFactory, name: str) -> Bus:
    bus = factory(name)
    await bus.connect()
    return bus


class Collector:
    def __init__(self) -> None:
        self.items: list[Delivery] = []
        self.changed = asyncio.Event()

    async def __call__(self, delivery: Delivery) -> None:
        self.items.append(delivery)
        self.changed.set()

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[Delivery]:
        async with asyncio.timeout(timeout):
            while len(self.items) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.items

    def keys(self) -> list[str]:
        return [d.routing_key for d in self.items]


async def test_topic_bindings_route_by_room_and_player(bus_factory: BusFactory) -> None:
    edge = await _connected(bus_factory, "edge")
    game = await _connected(bus_factory, "game")
    await edge.declare_queue("mythos.edge.e1", exclusive=True, dead_letter=False)
    await edge.bind("mythos.edge.e1", EVENTS_EXCHANGE, room_pattern("library"))
    await edge.bind("mythos.edge.e1", EVENTS_EXCHANGE, player_pattern("p1"))
    got = Collector()
    await edge.consume("mythos.edge.e1", got)

    await game.publish(EVENTS_EXCHANGE, room_key("library", "chat_message"), b"1")
    await game.publish(EVENTS_EXCHANGE, room_key("docks", "chat_message"), b"not for us")
    await game.publish(EVENTS_EXCHANGE, player_key("p1", "room_update"), b"2")
    await game.publish(EVENTS_EXCHANGE, player_key("p2", "room_update"), b"not for us")
    await game.publish(EVENTS_EXCHANGE, room_key("library", "player_left"), b"3")
    await got.wait_for(3)
    await asyncio.sleep(0.2)
    assert [d.body for d in got.items] == [b"1", b"2", b"3"]


async def test_unbind_stops_delivery(bus_factory: BusFactory) -> None:
    edge = await _connected(bus_factory, "edge")
    await edge.declare_queue("mythos.edge.e2", exclusive=True, dead_letter=False)
    await edge.bind("mythos.edge.e2", EVENTS_EXCHANGE, room_pattern("attic"))
    got = Collector()
    await edge.consume("mythos.edge.e2", got)
    await edge.publish(EVENTS_EXCHANGE, room_key("attic", "chat_message"), b"before")
    await got.wait_for(1)
    await edge.unbind("mythos.edge.e2", EVENTS_EXCHANGE, room_pattern("attic"))
    await edge.publish(EVENTS_EXCHANGE, room_key("attic", "chat_message"), b"after")
    await edge.bind("mythos.edge.e2", EVENTS_EXCHANGE, player_pattern("px"))
    await edge.publish(EVENTS_EXCHANGE, player_key("px", "chat_message"), b"marker")
    await got.wait_for(2)
    assert [d.body for d in got.items] == [b"before", b"marker"]


async def test_hash_matches_zero_or_more_words_and_star_exactly_one(
    bus_factory: BusFactory,
) -> None:
    bus = await _connected(bus_factory, "svc")
    await bus.declare_queue("q.topic", exclusive=True, dead_letter=False)
    await bus.bind("q.topic", EVENTS_EXCHANGE, "a.*.c")
    await bus.bind("q.topic", EVENTS_EXCHANGE, "x.#")
    got = Collector()
    await bus.consume("q.topic", got)
    for key in ["a.b.c", "a.b.b.c", "a.c", "x", "x.y", "x.y.z", "y.x"]:
        await bus.publish(EVENTS_EXCHANGE, key, key.encode())
    await bus.publish(EVENTS_EXCHANGE, "x.end", b"end")
    await got.wait_for(5)
    assert got.keys() == ["a.b.c", "x", "x.y", "x.y.z", "x.end"]


async def test_commands_wait_durably_until_a_consumer_starts(bus_factory: BusFactory) -> None:
    edge = await _connected(bus_factory, "edge")
    for i in range(5):
        await edge.publish(COMMANDS_EXCHANGE, command_key("p1"), str(i).encode())
    game = await _connected(bus_factory, "game")
    got = Collector()
    await game.consume(GAME_COMMANDS_QUEUE, got)
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

    await bus.consume(GAME_COMMANDS_QUEUE, slow)
    for i in range(20):
        await bus.publish(COMMANDS_EXCHANGE, command_key("p1"), str(i).encode())
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

    await game.consume(GAME_COMMANDS_QUEUE, handler)
    await game.publish(COMMANDS_EXCHANGE, command_key("p1"), b"poison")
    await game.publish(COMMANDS_EXCHANGE, command_key("p1"), b"fine")
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


async def test_exclusive_queue_vanishes_with_its_connection(bus_factory: BusFactory) -> None:
    edge = await _connected(bus_factory, "edge")
    await edge.declare_queue("mythos.edge.gone", exclusive=True, dead_letter=False)
    await edge.bind("mythos.edge.gone", EVENTS_EXCHANGE, "global.#")
    await edge.close()
    other = await _connected(bus_factory, "edge2")
    # Redeclaring from another connection works only because the first one is gone.
    await other.declare_queue("mythos.edge.gone", exclusive=True, dead_letter=False)


async def test_connected_state_follows_connect_and_close(bus_factory: BusFactory) -> None:
    bus = bus_factory("game")
    assert not bus.is_connected()
    await bus.connect()
    assert bus.is_connected()
    await bus.close()
    assert not bus.is_connected()


async def test_queue_depths_count_what_waits_behind_the_delivery_in_hand(
    bus_factory: BusFactory,
) -> None:
    bus = await _connected(bus_factory, "game")
    started, release = asyncio.Event(), asyncio.Event()

    async def blocked(delivery: Delivery) -> None:
        started.set()
        await release.wait()

    await bus.consume(GAME_COMMANDS_QUEUE, blocked, prefetch=1)
    for i in range(5):
        await bus.publish(COMMANDS_EXCHANGE, command_key("p1"), str(i).encode())
    async with asyncio.timeout(5):
        await started.wait()
    assert await bus.queue_depths() == {GAME_COMMANDS_QUEUE: 4}
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

    await game.consume(GAME_COMMANDS_QUEUE, slow)
    for i in range(5):
        await game.publish(COMMANDS_EXCHANGE, command_key("p1"), str(i).encode())
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
    await successor.consume(GAME_COMMANDS_QUEUE, rest)
    await rest.wait_for(4)
    await asyncio.sleep(0.2)
    assert [d.body for d in rest.items] == [b"1", b"2", b"3", b"4"]


async def test_stop_consuming_keeps_requests_working(bus_factory: BusFactory) -> None:
    server = await _connected(bus_factory, "persistence")
    client = await _connected(bus_factory, "game")

    async def echo(delivery: Delivery) -> None:
        await server.reply(delivery, delivery.body.upper())

    await server.consume(PERSISTENCE_REQUESTS_QUEUE, echo)
    await client.consume(GAME_COMMANDS_QUEUE, Collector())
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

    await game.consume(GAME_COMMANDS_QUEUE, handler)
    await game.publish_many(COMMANDS_EXCHANGE, [(command_key("p1"), b"%d" % n) for n in range(6)])
    async with asyncio.timeout(5):
        await started.wait()
    await asyncio.sleep(0.2)  # whatever acks are due have been written
    await game.close()  # no graceful stop: the delivery in hand is abandoned
    assert handled == [b"0", b"1"]

    successor = await _connected(bus_factory, "game-2")
    rest = Collector()
    await successor.consume(GAME_COMMANDS_QUEUE, rest)
    await rest.wait_for(4)
    await asyncio.sleep(0.2)
    assert sorted(d.body for d in rest.items) == [b"2", b"3", b"4", b"5"]


async def test_acks_keep_up_with_a_long_stream_of_deliveries(bus_factory: BusFactory) -> None:
    # More deliveries than the prefetch window: batched acks must free it as they go.
    game = await _connected(bus_factory, "game")
    got = Collector()
    await game.consume(GAME_COMMANDS_QUEUE, got, prefetch=8)
    await game.publish_many(COMMANDS_EXCHANGE, [(command_key("p1"), b"%d" % n) for n in range(200)])
    await got.wait_for(200, timeout=20)
    assert [d.body for d in got.items] == [b"%d" % n for n in range(200)]
    assert await game.queue_depths() == {GAME_COMMANDS_QUEUE: 0}


async def test_both_adapters_count_published_and_delivered_messages(
    bus_factory: BusFactory,
) -> None:
    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    published = sample("mythos_bus_published_total", exchange=COMMANDS_EXCHANGE)
    acked = sample("mythos_bus_delivered_total", queue=GAME_COMMANDS_QUEUE, outcome="ack")
    dead = sample("mythos_bus_delivered_total", queue=GAME_COMMANDS_QUEUE, outcome="dead_letter")
    bus = await _connected(bus_factory, "game")
    ok = Collector()

    async def handler(delivery: Delivery) -> None:
        if delivery.body == b"poison":
            raise ValueError("cannot handle this")
        await ok(delivery)

    await bus.consume(GAME_COMMANDS_QUEUE, handler)
    for body in (b"a", b"poison", b"b"):
        await bus.publish(COMMANDS_EXCHANGE, command_key("p1"), body)
    await ok.wait_for(2)
    await asyncio.sleep(0.1)  # the settle of the last delivery follows its handler
    assert sample("mythos_bus_published_total", exchange=COMMANDS_EXCHANGE) == published + 3
    assert (
        sample("mythos_bus_delivered_total", queue=GAME_COMMANDS_QUEUE, outcome="ack") == acked + 2
    )
    assert (
        sample("mythos_bus_delivered_total", queue=GAME_COMMANDS_QUEUE, outcome="dead_letter")
        == dead + 1
    )


async def test_quorum_buses_declare_replicated_durable_queues(amqp_url: str) -> None:
    bus = AmqpBus(amqp_url, connection_name="game", queue_type="quorum")
    await bus.connect()
    await bus.declare_queue("mythos.test.private", exclusive=True, dead_letter=False)
    vhost = unquote(urlsplit(amqp_url).path[1:])
    listed = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "type", "--formatter", "json",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await listed.communicate()
    types = {queue["name"]: queue["type"] for queue in json.loads(out)}
    await bus.close()
    assert types[GAME_COMMANDS_QUEUE] == "quorum"
    assert types[PERSISTENCE_SAVES_QUEUE] == "quorum"
    assert types[DEAD_LETTER_QUEUE] == "quorum"
    assert types["mythos.test.private"] == "classic"  # exclusive: one connection's anyway


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

    await game.consume(GAME_COMMANDS_QUEUE, handler)
    with log_context(command_id="c-42", player_id="p1"):
        await edge.publish(COMMANDS_EXCHANGE, command_key("p1"), b"with")
    await edge.publish(COMMANDS_EXCHANGE, command_key("p1"), b"without")
    async with asyncio.timeout(5):
        while len(seen) < 2:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    (with_headers, with_context), (without_headers, without_context) = seen
    assert with_headers == {"command_id": "c-42"}  # the cause; not the player
    assert with_context == {"command_id": "c-42"}  # what the consumer's lines carry
    assert without_headers == {} and without_context == {}


@pytest.mark.parametrize("exclusive", [True, False], ids=["exclusive", "durable"])
async def test_a_bounded_queue_drops_its_oldest_waiting_messages(
    bus_factory: BusFactory, exclusive: bool
) -> None:
    """``max_length``: a consumer that fell behind loses the oldest messages, not the
    newest, and the broker's memory stays bounded (edges heal the gap by replay)."""
    edge = await _connected(bus_factory, "edge")
    queue = f"mythos.edge.bounded-{'x' if exclusive else 'd'}"
    await edge.declare_queue(queue, exclusive=exclusive, dead_letter=False, max_length=3)
    await edge.bind(queue, EVENTS_EXCHANGE, player_pattern("p9"))
    for n in range(1, 7):
        await edge.publish(EVENTS_EXCHANGE, player_key("p9", "chat_message"), str(n).encode())
    got = Collector()
    await edge.consume(queue, got)
    await got.wait_for(3)
    await edge.publish(EVENTS_EXCHANGE, player_key("p9", "chat_message"), b"7")
    await got.wait_for(4)
    await asyncio.sleep(0.2)
    assert [d.body for d in got.items] == [b"4", b"5", b"6", b"7"]


async def test_every_delivery_names_its_publishers_user(
    bus_factory: BusFactory, request: pytest.FixtureRequest
) -> None:
    edge = await _connected(bus_factory, "edge")
    game = await _connected(bus_factory, "game")
    got = Collector()
    await game.consume(GAME_COMMANDS_QUEUE, got)
    await edge.publish(COMMANDS_EXCHANGE, command_key("p1"), b"look")
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

    await game.consume(GAME_COMMANDS_QUEUE, handler)
    for i in range(5):
        await edge.publish(COMMANDS_EXCHANGE, command_key("p1"), str(i).encode())
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
