"""Bounded outboxes and refcounted bindings."""

from __future__ import annotations

import asyncio

from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.routing import EVENTS_EXCHANGE, room_key, room_pattern
from mythos_edge.service_layer.connections import CLOSE_TOO_SLOW, Close, Connection
from mythos_edge.service_layer.room_bindings import RoomBindings


async def test_a_client_that_falls_behind_is_closed_not_buffered_forever() -> None:
    conn = Connection("s1", "p1", "Alice", limit=3)
    for i in range(4):
        conn.offer(str(i))
    item = conn.outbox.get_nowait()
    assert isinstance(item, Close) and item.code == CLOSE_TOO_SLOW
    assert conn.outbox.empty()


async def test_the_outbox_is_bounded_in_bytes_not_only_in_messages() -> None:
    conn = Connection("s1", "p1", "Alice", limit=1000, limit_bytes=10_000)
    conn.offer("é" * 3000)  # 6000 bytes in UTF-8, 3000 characters
    conn.offer("x" * 3000)
    assert conn.queued_bytes == 9000 and conn.outbox.qsize() == 2
    conn.offer("y" * 1001)  # 10001 bytes: one too many, though only 3 messages
    item = conn.outbox.get_nowait()
    assert isinstance(item, Close) and item.code == CLOSE_TOO_SLOW
    assert conn.outbox.empty() and conn.queued_bytes == 0


async def test_the_byte_count_follows_what_the_writer_sends_and_one_big_line_fits() -> None:
    conn = Connection("s1", "p1", "Alice", limit=10, limit_bytes=2000)
    conn.offer("z" * 5000)  # alone in the outbox: sent, however big
    sent: list[str] = []

    async def send(text: str) -> None:
        sent.append(text)

    async def close(code: int, reason: str) -> None:
        pass

    conn.close_after_flush(1000, "bye")
    await asyncio.wait_for(conn.pump(send, close), 1)
    assert sent == ["z" * 5000] and conn.queued_bytes == 0


async def test_pump_writes_in_order_then_closes() -> None:
    conn = Connection("s1", "p1", "Alice", limit=10)
    sent: list[str] = []
    closed: list[tuple[int, str]] = []

    async def send(text: str) -> None:
        sent.append(text)

    async def close(code: int, reason: str) -> None:
        closed.append((code, reason))

    for text in ("a", "b"):
        conn.offer(text)
    conn.close_after_flush(4001, "session replaced")
    await asyncio.wait_for(conn.pump(send, close), 1)
    assert sent == ["a", "b"] and closed == [(4001, "session replaced")]


async def test_a_room_stays_bound_while_any_local_player_is_in_it() -> None:
    broker = InMemoryBroker()
    bus = InMemoryBus(broker)
    await bus.connect()
    await bus.declare_queue("mythos.edge.t", exclusive=True, dead_letter=False)
    got: list[bytes] = []

    async def collect(delivery) -> None:  # type: ignore[no-untyped-def]
        got.append(delivery.body)

    await bus.consume("mythos.edge.t", collect)
    bindings = RoomBindings(bus, "mythos.edge.t")
    pattern = room_pattern("library")
    await bindings.acquire(pattern)
    await bindings.acquire(pattern)
    await bindings.release(pattern)
    await bus.publish(EVENTS_EXCHANGE, room_key("library", "chat_message"), b"still bound")
    await bindings.release(pattern)
    await bus.publish(EVENTS_EXCHANGE, room_key("library", "chat_message"), b"unbound")
    await asyncio.sleep(0.01)
    assert got == [b"still bound"]
    assert bindings.bound() == {}
    await bus.close()
