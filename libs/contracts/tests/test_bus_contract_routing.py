"""The bus contract for routing and queues, on every backend (the in-process bus and
RabbitMQ with classic and quorum queues): exchanges are topic exchanges (``*`` matches one
word, ``#`` zero or more), bindings and unbindings take effect, an exclusive queue vanishes
with its connection, a bounded queue drops its oldest waiting messages, a message routed by
several keys reaches each queue bound to any of them once, and quorum buses declare their
shared queues replicated (see the module doc of ``mythos_contracts.bus.port``)."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import unquote, urlsplit

import aio_pika
import pytest
from bus_contract_support import BusFactory, Collector
from bus_contract_support import connected as _connected
from mythos_contracts.bus import Bus
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.ops.log_lines import log_context
from mythos_contracts.routing import (
    DEAD_LETTER_QUEUE,
    DEFAULT_SHARD_INBOX,
    EVENTS_EXCHANGE,
    PERSISTENCE_SAVES_QUEUE,
    player_key,
    player_pattern,
    room_key,
    room_pattern,
)
from mythos_local.broker_drops import close_connection_named


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
    assert types[DEFAULT_SHARD_INBOX] == "quorum"
    assert types[PERSISTENCE_SAVES_QUEUE] == "quorum"
    assert types[DEAD_LETTER_QUEUE] == "quorum"
    assert types["mythos.test.private"] == "classic"  # exclusive: one connection's anyway


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


async def _routed_queues(bus: Bus) -> dict[str, Collector]:
    """Queues A, B, C and D: C is bound to two of the keys a message is routed by.
    Durable, so on the quorum backend they are quorum queues."""
    bindings = {
        "a": ["room.a.#"],
        "b": ["room.b.#"],
        "c": ["room.a.#", "player.x.#"],
        "d": ["room.c.#"],
    }
    got: dict[str, Collector] = {}
    for name, patterns in bindings.items():
        queue = f"q.routed.{name}"
        await bus.declare_queue(queue, dead_letter=False)
        for pattern in patterns:
            await bus.bind(queue, EVENTS_EXCHANGE, pattern)
        got[name] = Collector()
        await bus.consume(queue, got[name])
    return got


async def test_a_routed_message_reaches_each_queue_bound_to_any_of_its_keys_once(
    bus_factory: BusFactory,
) -> None:
    edge = await _connected(bus_factory, "edge")
    game = await _connected(bus_factory, "game")
    got = await _routed_queues(edge)
    keys = ["room.a.say", "room.b.say", "player.x.tell", "room.a.say"]
    with log_context(command_id="c-7"):
        await game.publish_routed(EVENTS_EXCHANGE, keys, b"once")
    for name in "abc":
        await got[name].wait_for(1)
    await asyncio.sleep(0.3)  # time for a second copy to arrive, were one sent
    assert {name: len(c.items) for name, c in got.items()} == {"a": 1, "b": 1, "c": 1, "d": 0}
    for name in "abc":
        (delivery,) = got[name].items
        assert (delivery.routing_key, delivery.body) == ("room.a.say", b"once")
        assert delivery.headers == {"command_id": "c-7"}  # the correlation headers only


async def test_a_message_routed_by_one_key_is_a_plain_publish(bus_factory: BusFactory) -> None:
    edge = await _connected(bus_factory, "edge")
    got = await _routed_queues(edge)
    await edge.publish_routed(EVENTS_EXCHANGE, ["room.c.say"], b"one", persistent=False)
    await edge.publish_routed(EVENTS_EXCHANGE, ["player.x.tell"], b"two")
    await got["c"].wait_for(1)
    await got["d"].wait_for(1)
    await asyncio.sleep(0.2)
    assert [d.body for d in got["d"].items] == [b"one"]
    assert [(d.routing_key, d.body, d.headers) for d in got["c"].items] == [
        ("player.x.tell", b"two", {})
    ]
    assert not got["a"].items and not got["b"].items


async def test_a_message_routed_by_no_key_is_refused(bus_factory: BusFactory) -> None:
    bus = await _connected(bus_factory, "game")
    with pytest.raises(ValueError, match="at least one"):
        await bus.publish_routed(EVENTS_EXCHANGE, [], b"nowhere")


async def test_rabbitmq_strips_the_bcc_header_before_delivery(amqp_url: str) -> None:
    """What a consumer receives carries the correlation headers as a plain publish's do
    (strings, which the lean reader parses), and no ``BCC``; a key AMQP cannot route by
    is refused before anything is sent."""
    bus = AmqpBus(amqp_url, connection_name="game")
    await bus.connect()
    raw = await aio_pika.connect(amqp_url)
    try:
        channel = await raw.channel()
        queue = await channel.declare_queue("", exclusive=True)
        await queue.bind(EVENTS_EXCHANGE, "player.y.#")
        with log_context(command_id="c-8"):
            await bus.publish_routed(EVENTS_EXCHANGE, ["room.z.say", "player.y.tell"], b"m")
        message = await queue.get(timeout=5)
        await message.ack()
        assert (message.routing_key, message.body) == ("room.z.say", b"m")
        assert message.headers == {"command_id": "c-8"}
        with pytest.raises(ValueError, match="255"):
            await bus.publish_routed(EVENTS_EXCHANGE, ["room.z.say", "k" * 256], b"long")
    finally:
        await raw.close()
        await bus.close()


async def test_a_routed_publish_rides_out_a_dropped_connection(amqp_url: str) -> None:
    """As ``publish_many``'s: what is not confirmed when the connection drops is sent
    again once the robust connection is back (at least once: a queue may see a copy)."""
    bus = AmqpBus(amqp_url, connection_name="routed-drop")
    await bus.connect()
    got = Collector()
    try:
        await bus.declare_queue("q.routed.drop", dead_letter=False)
        await bus.bind("q.routed.drop", EVENTS_EXCHANGE, "player.x.#")
        await bus.consume("q.routed.drop", got)
        reconnected = asyncio.Event()
        bus.on_reconnect(reconnected.set)
        await close_connection_named(amqp_url, "routed-drop")
        await bus.publish_routed(EVENTS_EXCHANGE, ["room.a.say", "player.x.tell"], b"kept")
        await asyncio.wait_for(reconnected.wait(), 10)
        await got.wait_for(1, timeout=10)
        assert {d.body for d in got.items} == {b"kept"}
    finally:
        await bus.close()
