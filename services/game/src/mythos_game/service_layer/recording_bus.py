"""The game's bus: inside a unit, publishes wait in the unit's outbox (``StreamJournal``);
any other publish, and everything else, goes straight to the real bus."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from mythos_contracts.bus import Bus, Delivery, Handler

from mythos_game.service_layer.journal_records import OutboxEntry


class UnitOutbox(Protocol):
    """What the recording bus needs of the journal's current unit."""

    @property
    def in_unit(self) -> bool: ...

    def hold(self, entry: OutboxEntry) -> None: ...

    async def flush(self, delivery_id: str | None = None, *, defer: bool = False) -> None: ...


class RecordingBus:
    """The game's bus: publishes inside a unit go to its outbox; the rest passes."""

    def __init__(self, bus: Bus, journal: UnitOutbox) -> None:
        self._bus = bus
        self._journal = journal

    async def publish(
        self,
        exchange: str,
        routing_key: str,
        body: bytes,
        *,
        persistent: bool = True,
        correlation_id: str | None = None,
        reply_to: str | None = None,
    ) -> None:
        if self._journal.in_unit:
            entry = OutboxEntry(exchange, routing_key, body, persistent, correlation_id, reply_to)
            self._journal.hold(entry)
            return
        await self._bus.publish(
            exchange,
            routing_key,
            body,
            persistent=persistent,
            correlation_id=correlation_id,
            reply_to=reply_to,
        )

    async def publish_many(
        self, exchange: str, messages: Sequence[tuple[str, bytes]], *, persistent: bool = True
    ) -> None:
        if self._journal.in_unit:
            for key, body in messages:
                self._journal.hold(OutboxEntry(exchange, key, body, persistent))
            return
        await self._bus.publish_many(exchange, messages, persistent=persistent)

    async def publish_routed(
        self, exchange: str, routing_keys: Sequence[str], body: bytes, *, persistent: bool = True
    ) -> None:
        if self._journal.in_unit:
            # An outbox entry (and the journal record it is written in) has one key, and
            # held as one entry per key the message would reach a queue bound to two of
            # them twice: the unit so far is recorded and published first (as before a
            # request), so this still leaves after it. Unlike a held message, a game
            # continuing from the journal does not publish it again.
            await self._journal.flush()
        await self._bus.publish_routed(exchange, routing_keys, body, persistent=persistent)

    async def request(
        self, exchange: str, routing_key: str, body: bytes, *, timeout: float = 5.0
    ) -> bytes:
        if self._journal.in_unit:
            await self._journal.flush()
        return await self._bus.request(exchange, routing_key, body, timeout=timeout)

    async def connect(self) -> None:
        await self._bus.connect()

    async def close(self) -> None:
        await self._bus.close()

    async def declare_queue(
        self,
        name: str,
        *,
        durable: bool = True,
        exclusive: bool = False,
        dead_letter: bool = True,
        max_length: int | None = None,
        single_active: bool = False,
    ) -> None:
        await self._bus.declare_queue(
            name,
            durable=durable,
            exclusive=exclusive,
            dead_letter=dead_letter,
            max_length=max_length,
            single_active=single_active,
        )

    async def bind(self, queue: str, exchange: str, pattern: str) -> None:
        await self._bus.bind(queue, exchange, pattern)

    async def unbind(self, queue: str, exchange: str, pattern: str) -> None:
        await self._bus.unbind(queue, exchange, pattern)

    async def consume(self, queue: str, handler: Handler, *, prefetch: int = 100) -> None:
        await self._bus.consume(queue, handler, prefetch=prefetch)

    async def stop_consuming(self) -> None:
        await self._bus.stop_consuming()

    async def reply(self, request: Delivery, body: bytes) -> None:
        await self._bus.reply(request, body)

    def is_connected(self) -> bool:
        return self._bus.is_connected()

    async def queue_depths(self) -> dict[str, int]:
        return await self._bus.queue_depths()

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        self._bus.on_reconnect(callback)

    def on_connection_lost(self, callback: Callable[[], None]) -> None:
        self._bus.on_connection_lost(callback)
