"""The bus contract for routing and queues, on every backend (the in-process bus and
RabbitMQ with classic and quorum queues): exchanges are topic exchanges (``*`` matches one
word, ``#`` zero or more), bindings and unbindings take effect, an exclusive queue vanishes
with its connection, a bounded queue drops its oldest waiting messages, and quorum buses
declare their shared queues replicated (see the module doc of
``mythos_contracts.bus.port``)."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import unquote, urlsplit

import pytest
from bus_contract_support import BusFactory, Collector
from bus_contract_support import connected as _connected
from mythos_contracts.bus.amqp import AmqpBus
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
