"""RabbitMQ adapter of the bus port (aio-pika, robust connection, publisher confirms).

The robust connection re-opens channels and re-declares the queues, bindings and
consumers made through it, so a broker restart heals without a service restart.
The hot path bypasses aio-pika's per-message objects: publishes are pipelined on the
one confirming channel (``amqp_publisher``), deliveries go straight to a consumer's
inbox and are acked in batches (``amqp_consumer``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Literal, cast
from urllib.parse import unquote, urlsplit

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustExchange,
    AbstractRobustQueue,
)
from aiormq.exceptions import (
    AMQPError,
    ChannelAccessRefused,
    ChannelInvalidStateError,
    ChannelPreconditionFailed,
)

from mythos_contracts.bus import amqp_frames
from mythos_contracts.bus.amqp_consumer import QueueConsumer
from mythos_contracts.bus.amqp_publisher import ConfirmingPipeline, Outgoing
from mythos_contracts.bus.correlation import outgoing_headers
from mythos_contracts.bus.port import Delivery, Handler, RequestTimeout
from mythos_contracts.ops.metrics import (
    BUS_CONNECTED,
    BUS_PUBLISH_RETRIES,
    BUS_RECONNECTS,
    bus_published,
)
from mythos_contracts.routing import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    DURABLE_TOPOLOGY,
    SINGLE_ACTIVE_DELIVERY_LIMIT,
    SINGLE_ACTIVE_QUEUES,
    TOPIC_EXCHANGES,
    reply_queue,
)

log = logging.getLogger(__name__)

PUBLISH_RETRY_SECONDS = 60.0
_RETRYABLE = (AMQPError, ConnectionError, RuntimeError)
"""What a publish meets while the robust connection re-opens."""
_REFUSED = (ChannelAccessRefused, ChannelPreconditionFailed)
"""AMQP errors retrying cannot change."""

QueueType = Literal["classic", "quorum"]
"""``quorum`` replicates each durable queue over a RabbitMQ cluster (Raft), so losing a
broker node loses no queue and no message; ``classic`` keeps it on one node. Every
service on a vhost must use the same type: a queue is declared by all of them."""


class AmqpBus:
    """``owned_queues``: ``None`` (the default) declares every exchange and fixed durable
    queue on connect, which needs a user allowed to configure them all (development, the
    tests, ``declare_topology``). A service running as its own least-privilege user
    (``mythos_contracts.bus.access``) passes the fixed queues it owns: those are declared,
    the exchanges are only checked to exist (a passive declare), and the administrator
    must have declared the topology first."""

    def __init__(
        self,
        url: str,
        *,
        connection_name: str = "mythos",
        queue_type: QueueType = "classic",
        owned_queues: tuple[str, ...] | None = None,
    ) -> None:
        self._url = url
        self._name = connection_name
        self._queue_type = queue_type
        self._owned_queues = owned_queues
        # Stamped on every publication; the broker refuses a user_id other than the
        # connection's own user, so a consumer may trust it (who sent this).
        self._user_id = unquote(urlsplit(url).username or "") or "guest"
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractRobustChannel | None = None
        self._publish_underlay: aiormq.Channel | None = None  # the current one
        self._pipeline = ConfirmingPipeline(self._underlay)
        self._exchanges: dict[str, AbstractRobustExchange] = {}
        self._queues: dict[str, AbstractRobustQueue] = {}
        self._queue_options: dict[str, dict[str, Any]] = {}
        self._consumed: dict[str, AbstractRobustQueue] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._consumers: list[QueueConsumer] = []
        self._reply_queue: str | None = None
        self._pending: dict[str, asyncio.Future[bytes]] = {}

    @property
    def _channel(self) -> AbstractRobustChannel:
        if self._publish_channel is None:
            raise RuntimeError("bus is not connected")
        return self._publish_channel

    def _underlay(self) -> aiormq.Channel:
        if self._publish_underlay is None:
            raise ChannelInvalidStateError("bus is not connected")
        return self._publish_underlay

    async def _track_underlay(self, *_: object) -> None:
        # The robust channel opens a new aiormq channel after a reconnect.
        self._publish_underlay = cast(aiormq.Channel, await self._channel.get_underlay_channel())

    async def connect(self) -> None:
        self._connection = await aio_pika.connect_robust(
            self._url, client_properties={"connection_name": self._name}
        )
        self._connection.close_callbacks.add(lambda *_: BUS_CONNECTED.set(0))
        self._connection.reconnect_callbacks.add(_count_reconnect)
        BUS_CONNECTED.set(1)
        self._publish_channel = await self._connection.channel(publisher_confirms=True)
        self._publish_channel.reopen_callbacks.add(self._track_underlay)
        await self._track_underlay()
        for name in TOPIC_EXCHANGES:
            await self._exchange(name)
        if self._owned_queues is None:
            await self._exchange(DEAD_LETTER_EXCHANGE)
            await self.declare_queue(DEAD_LETTER_QUEUE, dead_letter=False)
            await self.bind(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, "#")
        for queue, exchange, pattern in DURABLE_TOPOLOGY:
            if self._owned_queues is None or queue in self._owned_queues:
                await self.declare_queue(queue, single_active=queue in SINGLE_ACTIVE_QUEUES)
                await self.bind(queue, exchange, pattern)

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        assert self._connection is not None, "bus is not connected"
        self._connection.reconnect_callbacks.add(lambda *_: callback())

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
            BUS_CONNECTED.set(0)

    async def _exchange(self, name: str) -> AbstractRobustExchange:
        exchange = self._exchanges.get(name)
        if exchange is None:
            # A passive declare needs no configure permission: it only checks existence.
            exchange = await self._channel.declare_exchange(
                name,
                aio_pika.ExchangeType.TOPIC,
                durable=True,
                passive=self._owned_queues is not None,
            )
            self._exchanges[name] = exchange
        return exchange

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
        arguments: dict[str, Any] = {}
        if dead_letter:
            arguments["x-dead-letter-exchange"] = DEAD_LETTER_EXCHANGE
        if single_active:
            if exclusive or not durable:
                raise ValueError(f"single-active queue {name!r} must be durable, not exclusive")
            arguments.update(single_active_arguments())
        elif durable and not exclusive and self._queue_type == "quorum":
            arguments["x-queue-type"] = "quorum"  # exclusive queues are always classic
        if max_length is not None:
            # drop-head: both queue types support it (quorum queues since 3.8); a dropped
            # message is not dead-lettered (the dead-letter argument aside, it is gone).
            arguments["x-max-length"] = max_length
            arguments["x-overflow"] = "drop-head"
        options: dict[str, Any] = {
            "durable": durable and not exclusive,
            "exclusive": exclusive,
            "auto_delete": exclusive,
            "arguments": arguments,
        }
        self._queue_options[name] = options
        self._queues[name] = await self._channel.declare_queue(name, **options)

    def _queue(self, name: str) -> AbstractRobustQueue:
        try:
            return self._queues[name]
        except KeyError:
            raise LookupError(f"queue {name!r} was not declared on this bus") from None

    async def bind(self, queue: str, exchange: str, pattern: str) -> None:
        await self._queue(queue).bind(await self._exchange(exchange), pattern)

    async def unbind(self, queue: str, exchange: str, pattern: str) -> None:
        await self._queue(queue).unbind(await self._exchange(exchange), pattern)

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
        props = self._properties(persistent, correlation_id=correlation_id, reply_to=reply_to)
        await self._publish_in_order(exchange, [Outgoing(exchange, routing_key, body, props)])

    async def publish_many(
        self, exchange: str, messages: Sequence[tuple[str, bytes]], *, persistent: bool = True
    ) -> None:
        if not messages:
            return
        props = self._properties(persistent)
        await self._publish_in_order(
            exchange, [Outgoing(exchange, key, body, props) for key, body in messages]
        )

    def _properties(
        self, persistent: bool, *, correlation_id: str | None = None, reply_to: str | None = None
    ) -> bytes:
        return amqp_frames.properties(
            content_type="application/json",
            persistent=persistent,
            user_id=self._user_id,
            headers=outgoing_headers() or None,
            correlation_id=correlation_id,
            reply_to=reply_to,
        )

    async def _publish_in_order(self, exchange: str, pending: list[Outgoing]) -> None:
        published = bus_published(exchange)
        deadline = asyncio.get_running_loop().time() + PUBLISH_RETRY_SECONDS
        while True:
            try:
                outcomes = await self._send(exchange, pending)
            except _RETRYABLE as exc:
                outcomes = [exc]
            confirmed = next(
                (i for i, o in enumerate(outcomes) if isinstance(o, BaseException)), len(pending)
            )
            published.inc(confirmed)
            if confirmed == len(pending):
                return
            error = outcomes[confirmed]
            # The robust connection is re-opening: wait for it rather than lose a message.
            # Everything from the first unconfirmed message on is sent again, in order; a
            # retried publish may duplicate one whose confirm was lost, and consumers
            # deduplicate (sequence numbers, versions, command ids).
            if (
                isinstance(error, _REFUSED)  # the broker's permissions said no: for good
                or not isinstance(error, _RETRYABLE)
                or asyncio.get_running_loop().time() > deadline
            ):
                raise error
            log.warning(
                "publish to %s failed (%s); retrying", pending[confirmed].routing_key, error
            )
            BUS_PUBLISH_RETRIES.inc()
            pending = pending[confirmed:]
            await asyncio.sleep(0.5)

    async def _send(self, exchange: str, pending: list[Outgoing]) -> list[Any]:
        """Publish back to back on the one confirming channel, then wait for every confirm;
        each message's outcome (its confirm, or the exception it met), in order.

        Order holds, within a call and across calls: the pipeline takes a call's messages
        with no suspension since the call (the exchange is checked once, on its first
        use), and writes them in the order it took them. Only the confirms are awaited
        together."""
        if exchange and exchange not in self._exchanges:
            await self._exchange(exchange)
        # Unroutable events are normal (a room nobody's edge listens to): not mandatory.
        confirms = self._pipeline.submit(pending)
        if len(confirms) == 1:
            try:
                return [await confirms[0]]
            except Exception as exc:
                return [exc]
        return await asyncio.gather(*confirms, return_exceptions=True)

    async def consume(self, queue: str, handler: Handler, *, prefetch: int = 100) -> None:
        assert self._connection is not None, "bus is not connected"
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=prefetch)
        # Declared (not merely looked up) on the consuming channel, so the robust channel
        # re-declares it and restarts this consumer after a reconnect.
        robust_queue = await channel.declare_queue(queue, **self._queue_options[queue])
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
                consumer.worker.cancel()  # idle in inbox.get(), all acked: nothing is lost
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
            await self._queue(name).consume(self._on_reply, no_ack=True)
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


def single_active_arguments() -> dict[str, Any]:
    """The arguments of a single-active queue (beside its dead-letter exchange), as
    ``declare_queue`` and the operator's Queue objects declare them: a second declaration
    with other arguments is refused (PRECONDITION_FAILED)."""
    return {
        "x-queue-type": "quorum",
        "x-single-active-consumer": True,
        "x-delivery-limit": SINGLE_ACTIVE_DELIVERY_LIMIT,
    }


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
