"""RabbitMQ adapter of the bus port (aio-pika, robust connection, publisher confirms).

The robust connection re-opens channels and re-declares the queues, bindings and
consumers made through it, so a broker restart heals without a service restart.
The hot path bypasses aio-pika's per-message objects: publishes are pipelined on the
one confirming channel (``amqp_publisher``), deliveries go straight to a consumer's
inbox and are acked in batches (``amqp_consumer``). What is declared lives in
``amqp_topology``; publishing through a reconnect, in ``amqp_retry``.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Sequence
from typing import cast
from urllib.parse import unquote, urlsplit

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustQueue,
)
from aiormq.exceptions import ChannelInvalidStateError

from mythos_contracts.bus import amqp_reader, amqp_writer
from mythos_contracts.bus.amqp_consumer import QueueConsumer
from mythos_contracts.bus.amqp_publisher import ConfirmingPipeline
from mythos_contracts.bus.amqp_retry import RetryingPublisher
from mythos_contracts.bus.amqp_topology import QueueType, Topology, single_active_arguments
from mythos_contracts.bus.connection_loss import ConnectionLoss
from mythos_contracts.bus.port import Delivery, Handler, RequestTimeout
from mythos_contracts.ops.metrics import BUS_CONNECTED, BUS_RECONNECTS
from mythos_contracts.routing import reply_queue

__all__ = ["AmqpBus", "QueueType", "declare_topology", "single_active_arguments"]

# Frames are read with fewer awaits and the hot ones without pamqp (amqp_reader), confirms
# and deliveries settled by the reader itself (amqp_inline), and what waits in a
# connection's write queue leaves in one socket write (amqp_writer).
amqp_reader.install()
amqp_writer.install()

RECONNECT_SECONDS = 1.0
MAX_HEARTBEAT_SECONDS = 65534
"""aiormq turns a heartbeat it cannot read (65535 and up, a fraction) into 0: off."""


class AmqpBus:
    """``owned_queues``: ``None`` (the default) declares every exchange and fixed durable
    queue on connect, which needs a user allowed to configure them all (development, the
    tests, ``declare_topology``). A service running as its own least-privilege user
    (``mythos_contracts.bus.access``) passes the fixed queues it owns: those are declared,
    the exchanges are only checked to exist (a passive declare), and the administrator
    must have declared the topology first.

    ``heartbeat``: the AMQP heartbeat timeout in whole seconds this connection asks for
    (aiormq sends it as is in ``tune-ok``, and RabbitMQ uses it): the broker closes a
    connection it has heard nothing on for a few timeouts (RabbitMQ 3.10: 2 s at 1,
    5 s at 2), so a frozen or cut-off peer loses its queues that fast. ``None`` (the
    default) keeps the URL's ``heartbeat=`` or aiormq's 60 s; 0 turns heartbeats off."""

    def __init__(
        self,
        url: str,
        *,
        connection_name: str = "mythos",
        queue_type: QueueType = "classic",
        owned_queues: tuple[str, ...] | None = None,
        heartbeat: int | None = None,
    ) -> None:
        self._url = url
        self._name = connection_name
        self._heartbeat = checked_heartbeat(heartbeat)
        self._loss = ConnectionLoss()
        # Stamped on every publication; the broker refuses a user_id other than the
        # connection's own user, so a consumer may trust it (who sent this).
        user_id = unquote(urlsplit(url).username or "") or "guest"
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractRobustChannel | None = None
        self._publish_underlay: aiormq.Channel | None = None  # the current one
        self._topology = Topology(
            self._channel,
            queue_type=queue_type,
            owned_queues=owned_queues,
            open_channel=self._open_channel,
        )
        self._publisher = RetryingPublisher(
            ConfirmingPipeline(self._underlay), self._topology, user_id
        )
        self._consumed: dict[str, AbstractRobustQueue] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._consumers: list[QueueConsumer] = []
        self._reply_queue: str | None = None
        self._pending: dict[str, asyncio.Future[bytes]] = {}

    def _channel(self) -> AbstractRobustChannel:
        if self._publish_channel is None:
            raise RuntimeError("bus is not connected")
        return self._publish_channel

    async def _open_channel(self) -> AbstractRobustChannel:
        if self._connection is None:
            raise RuntimeError("bus is not connected")
        return await self._connection.channel()

    def _underlay(self) -> aiormq.Channel:
        if self._publish_underlay is None:
            raise ChannelInvalidStateError("bus is not connected")
        return self._publish_underlay

    async def _track_underlay(self, *_: object) -> None:
        # The robust channel opens a new aiormq channel after a reconnect.
        self._publish_underlay = cast(aiormq.Channel, await self._channel().get_underlay_channel())

    async def connect(self) -> None:
        self._loss.closing = False
        self._connection = await aio_pika.connect_robust(
            self._url,
            client_properties={"connection_name": self._name},
            # Heal a dropped connection within a second (aio-pika waits five): a standby
            # game registers on the shard's queue again, an edge its own queue.
            reconnect_interval=RECONNECT_SECONDS,
            # Goes into the URL's query, where aiormq reads it (None leaves it out).
            heartbeat=self._heartbeat,
        )
        self._connection.close_callbacks.add(lambda *_: BUS_CONNECTED.set(0))
        # Before the robust connection tries again: it runs these first.
        self._connection.close_callbacks.add(self._loss.lost)
        self._connection.reconnect_callbacks.add(_count_reconnect)
        BUS_CONNECTED.set(1)
        self._publish_channel = await self._connection.channel(publisher_confirms=True)
        self._publish_channel.reopen_callbacks.add(self._track_underlay)
        await self._track_underlay()
        await self._topology.declare_fixed()

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        assert self._connection is not None, "bus is not connected"
        self._connection.reconnect_callbacks.add(lambda *_: callback())

    def on_connection_lost(self, callback: Callable[[], None]) -> None:
        self._loss.add(callback)

    def is_connected(self) -> bool:
        return self._connection is not None and self._connection.connected.is_set()

    async def queue_depths(self) -> dict[str, int]:
        depths: dict[str, int] = {}
        for name, queue in list(self._consumed.items()):
            # Re-declaring with the same options is idempotent and answers the count.
            declared = await queue.declare()
            depths[name] = declared.message_count or 0
        return depths

    async def close(self) -> None:
        self._loss.closing = True
        self._consumers.clear()
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers.clear()
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
            self._publish_channel = None
            self._publish_underlay = None
            self._consumed.clear()
            self._topology.forget_channels()
            BUS_CONNECTED.set(0)

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
        await self._topology.declare_queue(
            name,
            durable=durable,
            exclusive=exclusive,
            dead_letter=dead_letter,
            max_length=max_length,
            single_active=single_active,
        )

    async def bind(self, queue: str, exchange: str, pattern: str) -> None:
        await self._topology.bind(queue, exchange, pattern)

    async def unbind(self, queue: str, exchange: str, pattern: str) -> None:
        await self._topology.unbind(queue, exchange, pattern)

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
        await self._publisher.publish(
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
        await self._publisher.publish_many(exchange, messages, persistent=persistent)

    async def publish_routed(
        self, exchange: str, routing_keys: Sequence[str], body: bytes, *, persistent: bool = True
    ) -> None:
        # One publish: the first key as its routing key, the others in its BCC header.
        await self._publisher.publish_routed(exchange, routing_keys, body, persistent=persistent)

    async def consume(self, queue: str, handler: Handler, *, prefetch: int = 100) -> None:
        assert self._connection is not None, "bus is not connected"
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=prefetch)
        # Declared (not merely looked up) on the consuming channel, so the robust channel
        # re-declares it and restarts this consumer after a reconnect.
        robust_queue = await channel.declare_queue(queue, **self._topology.queue_options(queue))
        self._consumed[queue] = robust_queue
        consumer = QueueConsumer(queue, robust_queue, handler)
        await consumer.start()
        assert consumer.worker is not None
        self._consumers.append(consumer)
        self._workers.append(consumer.worker)

    async def stop_consuming(self) -> None:
        # Cancel first, so the broker sends nothing more; then let each handler in flight
        # finish and be acked; what was prefetched but not started goes back to the queue.
        for consumer in self._consumers:
            with contextlib.suppress(Exception):
                await consumer.queue.cancel(consumer.tag)
        for consumer in self._consumers:
            consumer.stopping = True
            if not consumer.busy and consumer.worker is not None:
                consumer.worker.cancel()  # idle in inbox.get(): it settles and acks, then ends
        for consumer in self._consumers:
            if consumer.worker is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await consumer.worker
            await consumer.hand_back()
        self._consumers.clear()

    async def request(
        self, exchange: str, routing_key: str, body: bytes, *, timeout: float = 5.0
    ) -> bytes:
        if self._reply_queue is None:
            name = reply_queue()
            await self.declare_queue(name, exclusive=True, dead_letter=False)
            await self._topology.queue(name).consume(self._on_reply, no_ack=True)
            self._reply_queue = name
        correlation_id = uuid.uuid4().hex
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        try:
            await self.publish(
                exchange,
                routing_key,
                body,
                persistent=False,
                correlation_id=correlation_id,
                reply_to=self._reply_queue,
            )
            return await asyncio.wait_for(future, timeout)
        except TimeoutError as exc:
            raise RequestTimeout(f"no reply to {routing_key} within {timeout}s") from exc
        finally:
            self._pending.pop(correlation_id, None)

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.get(message.correlation_id or "")
        if future is not None and not future.done():
            future.set_result(message.body)

    async def reply(self, request: Delivery, body: bytes) -> None:
        if request.reply_to is None:
            raise ValueError("delivery has no reply_to: it was not sent with request()")
        await self.publish(
            "", request.reply_to, body, persistent=False, correlation_id=request.correlation_id
        )


def checked_heartbeat(seconds: int | None) -> int | None:
    """``seconds`` if RabbitMQ can take it as a heartbeat timeout (an unsigned short);
    aiormq would quietly turn anything else into 0, heartbeats off."""
    if seconds is not None and not 0 <= seconds <= MAX_HEARTBEAT_SECONDS:
        raise ValueError(f"an AMQP heartbeat is 0..{MAX_HEARTBEAT_SECONDS} s, not {seconds}")
    return seconds


def _count_reconnect(*_: object) -> None:
    BUS_RECONNECTS.inc()
    BUS_CONNECTED.set(1)


async def declare_topology(url: str, *, queue_type: QueueType = "classic") -> None:
    """Declare every exchange, fixed durable queue and binding, as the administrator
    (``url``'s user may configure everything), before services with least-privilege
    users connect."""
    bus = AmqpBus(url, connection_name="mythos-topology", queue_type=queue_type)
    try:
        await bus.connect()
    finally:
        await bus.close()
