"""A bus that passes every call on to another: the base of the game's wrappers, each of
which changes only the calls it is about (``RecordingBus``: publishes inside a unit;
``EventCarriers``: the envelopes of one turn)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mythos_contracts.bus import Bus, Delivery, Handler


class PassingBus:
    def __init__(self, bus: Bus) -> None:
        self._bus = bus

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
        await self._bus.publish_many(exchange, messages, persistent=persistent)

    async def publish_routed(
        self, exchange: str, routing_keys: Sequence[str], body: bytes, *, persistent: bool = True
    ) -> None:
        await self._bus.publish_routed(exchange, routing_keys, body, persistent=persistent)

    async def request(
        self, exchange: str, routing_key: str, body: bytes, *, timeout: float = 5.0
    ) -> bytes:
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
