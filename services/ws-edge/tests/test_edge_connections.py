"""What waits for a slow client is bounded (4008), and bindings are refcounted."""

from __future__ import annotations

import asyncio

from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.routing import EVENTS_EXCHANGE, room_key, room_pattern
from mythos_edge.service_layer.client_socket import Close, Outbox
from mythos_edge.service_layer.connections import CLOSE_TOO_SLOW, Connection
from mythos_edge.service_layer.room_bindings import RoomBindings


def _outbox(conn: Connection) -> Outbox:
    assert isinstance(conn.socket, Outbox)
    return conn.socket


async def test_a_client_that_falls_behind_is_closed_not_buffered_forever() -> None:
    conn = Connection("s1", "p1", "Alice", limit=3)
    for i in range(5):
        conn.offer(str(i))
    outbox = _outbox(conn)
    assert [outbox.get_nowait() for _ in range(3)] == ["0", "1", "2"]
    item = outbox.get_nowait()
    assert isinstance(item, Close) and item.code == CLOSE_TOO_SLOW
    assert outbox.empty() and conn.closing and conn.close_code == CLOSE_TOO_SLOW


async def test_what_waits_is_bounded_in_bytes_not_only_in_messages() -> None:
    conn = Connection("s1", "p1", "Alice", limit=1000, limit_bytes=10_000)
    conn.offer("é" * 3000)  # 6000 bytes in UTF-8, 3000 characters
    conn.offer("x" * 3000)
    outbox = _outbox(conn)
    assert outbox.buffered() == 9000
    conn.offer("y" * 1001)  # 10001 bytes: one too many, though only 3 messages
    conn.offer("z")  # after the close: never sent
    items = [outbox.get_nowait() for _ in range(3)]
    assert isinstance(items[2], Close) and items[2].code == CLOSE_TOO_SLOW
    assert outbox.empty() and outbox.buffered() == 0


async def test_once_nothing_waits_the_count_starts_again_and_one_big_line_fits() -> None:
    conn = Connection("s1", "p1", "Alice", limit=2, limit_bytes=2000)
    conn.offer("z" * 5000)  # nothing waiting: sent, however big
    outbox = _outbox(conn)
    outbox.get_nowait()  # the writer took it
    for text in ("a", "b"):
        conn.offer(text)
    assert not conn.closing and outbox.buffered() == 2


async def test_the_outbox_pump_writes_in_order_then_closes() -> None:
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
    conn.close_after_flush(1000, "a second close is not sent")
    await asyncio.wait_for(_outbox(conn).pump(send, close), 1)
    assert sent == ["a", "b"] and closed == [(4001, "session replaced")]
    assert conn.close_code == 4001


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
