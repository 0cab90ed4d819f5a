"""RabbitMQ adapter of the bus port (aio-pika, robust connection, publisher confirms).

The robust connection re-opens channels and re-declares the queues, bindings and
consumers made through it, so a broker restart heals without a service restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import aio_pika
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

from mythos_contracts.bus.correlation import incoming_headers, outgoing_headers
from mythos_contracts.bus.port import Delivery, Handler, RequestTimeout
from mythos_contracts.ops.log_lines import log_context
from mythos_contracts.ops.metrics import (
    BUS_CONNECTED,
    BUS_DELIVERED,
    BUS_PUBLISH_RETRIES,
    BUS_RECONNECTS,
    bus_published,
)
from mythos_contracts.routing import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    DURABLE_TOPOLOGY,
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
        self._exchanges: dict[str, AbstractRobustExchange] = {}
        self._queues: dict[str, AbstractRobustQueue] = {}
        self._queue_options: dict[str, dict[str, Any]] = {}
        self._consumed: dict[str, AbstractRobustQueue] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._consumers: list[_Consumer] = []
        self._reply_queue: str | None = None
        self._pending: dict[str, asyncio.Future[bytes]] = {}

    @property
    def _channel(self) -> AbstractRobustChannel:
        if self._publish_channel is None:
            raise RuntimeError("bus is not connected")
        return self._publish_channel

    async def connect(self) -> None:
        self._connection = await aio_pika.connect_robust(
            self._url, client_properties={"connection_name": self._name}
        )
        self._connection.close_callbacks.add(lambda *_: BUS_CONNECTED.set(0))
        self._connection.reconnect_callbacks.add(_count_reconnect)
        BUS_CONNECTED.set(1)
        self._publish_channel = await self._connection.channel(publisher_confirms=True)
        for name in TOPIC_EXCHANGES:
            await self._exchange(name)
        if self._owned_queues is None:
            await self._exchange(DEAD_LETTER_EXCHANGE)
            await self.declare_queue(DEAD_LETTER_QUEUE, dead_letter=False)
            await self.bind(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, "#")
        for queue, exchange, pattern in DURABLE_TOPOLOGY:
            if self._owned_queues is None or queue in self._owned_queues:
                await self.declare_queue(queue)
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
    ) -> None:
        arguments: dict[str, Any] = {}
        if dead_letter:
            arguments["x-dead-letter-exchange"] = DEAD_LETTER_EXCHANGE
        if durable and not exclusive and self._queue_type == "quorum":
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
        message = self._message(
            body, persistent=persistent, correlation_id=correlation_id, reply_to=reply_to
        )
        await self._publish_in_order(exchange, [(routing_key, message)])

    async def publish_many(
        self, exchange: str, messages: Sequence[tuple[str, bytes]], *, persistent: bool = True
    ) -> None:
        if not messages:
            return
        await self._publish_in_order(
            exchange,
            [(key, self._message(body, persistent=persistent)) for key, body in messages],
        )

    def _message(
        self,
        body: bytes,
        *,
        persistent: bool,
        correlation_id: str | None = None,
        reply_to: str | None = None,
    ) -> aio_pika.Message:
        return aio_pika.Message(
            body,
            content_type="application/json",
            delivery_mode=(
                aio_pika.DeliveryMode.PERSISTENT
                if persistent
                else aio_pika.DeliveryMode.NOT_PERSISTENT
            ),
            correlation_id=correlation_id,
            reply_to=reply_to,
            user_id=self._user_id,
            headers=dict(outgoing_headers()) or None,
        )

    async def _publish_in_order(
        self, exchange: str, pending: list[tuple[str, aio_pika.Message]]
    ) -> None:
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
            log.warning("publish to %s failed (%s); retrying", pending[confirmed][0], error)
            BUS_PUBLISH_RETRIES.inc()
            pending = pending[confirmed:]
            await asyncio.sleep(0.5)

    async def _send(self, exchange: str, pending: list[tuple[str, aio_pika.Message]]) -> list[Any]:
        """Publish back to back on the one confirming channel, then wait for every confirm;
        each message's outcome (its confirm, or the exception it met), in order.

        Order holds, within a call and across calls: each message gets its own task, made
        with no suspension since the caller's call (the exchange is cached after its first
        use); tasks start in the order they were made and run up to the channel's lock
        without suspending (the robust channel's ``ready`` returns at once while
        connected); the lock is handed over first come, first served, the writer sends
        frames in the order they were queued, and AMQP keeps one channel's order into a
        queue. Only the confirms are awaited together. (Publishing a lone message in the
        caller's task would let it overtake an earlier call's tasks not yet started.)"""
        if exchange == "":
            target = self._channel.default_exchange
        else:
            target = await self._exchange(exchange)
        # Unroutable events are normal (a room nobody's edge listens to); fixed queues
        # always exist because every bus declares them on connect.
        return await asyncio.gather(
            *(target.publish(message, key, mandatory=False) for key, message in pending),
            return_exceptions=True,
        )

    async def consume(self, queue: str, handler: Handler, *, prefetch: int = 100) -> None:
        assert self._connection is not None, "bus is not connected"
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=prefetch)
        # Declared (not merely looked up) on the consuming channel, so the robust channel
        # re-declares it and restarts this consumer after a reconnect.
        robust_queue = await channel.declare_queue(queue, **self._queue_options[queue])
        self._consumed[queue] = robust_queue
        consumer = _Consumer(robust_queue)
        # Deliveries are handled one at a time, in order, by a single worker.
        consumer.tag = await robust_queue.consume(consumer.inbox.put)
        worker = asyncio.create_task(self._work(queue, consumer, handler), name=f"consume {queue}")
        consumer.worker = worker
        self._consumers.append(consumer)
        self._workers.append(worker)

    async def stop_consuming(self) -> None:
        # Cancel first, so the broker sends nothing more; then let each handler in flight
        # finish and settle; what was prefetched but not started goes back to the queue.
        for consumer in self._consumers:
            with contextlib.suppress(Exception):
                await consumer.queue.cancel(consumer.tag)
        for consumer in self._consumers:
            consumer.stopping = True
            if not consumer.busy and consumer.worker is not None:
                consumer.worker.cancel()  # idle in inbox.get(): nothing is lost by this
        for consumer in self._consumers:
            if consumer.worker is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await consumer.worker
            while not consumer.inbox.empty():
                message = consumer.inbox.get_nowait()
                if not _channel_closed(message):
                    await _settle(message.nack(requeue=True))
        self._consumers.clear()

    async def _work(self, queue: str, consumer: _Consumer, handler: Handler) -> None:
        acked = BUS_DELIVERED.labels(queue, "ack")
        dead_lettered = BUS_DELIVERED.labels(queue, "dead_letter")
        while not consumer.stopping:
            message = await consumer.inbox.get()
            if _channel_closed(message):
                continue  # its channel died: the broker redelivers it on the new one
            consumer.busy = True  # no await since get(): a stop now waits for this one
            delivery = Delivery(
                routing_key=message.routing_key or "",
                body=message.body,
                correlation_id=message.correlation_id,
                reply_to=message.reply_to,
                redelivered=bool(message.redelivered),
                headers=incoming_headers(message.headers),
                user_id=message.user_id,
            )
            try:
                with log_context(**delivery.headers):
                    await handler(delivery)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("handler failed on %s; dead-lettering it", delivery.routing_key)
                await _settle(message.reject(requeue=False))
                dead_lettered.inc()
            else:
                await _settle(message.ack())
                acked.inc()
            finally:
                consumer.busy = False

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


class _Consumer:
    def __init__(self, queue: AbstractRobustQueue) -> None:
        self.queue = queue
        self.inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self.tag = ""
        self.worker: asyncio.Task[None] | None = None
        self.busy = False
        self.stopping = False


def _count_reconnect(*_: object) -> None:
    BUS_RECONNECTS.inc()
    BUS_CONNECTED.set(1)


def _channel_closed(message: AbstractIncomingMessage) -> bool:
    # aio-pika's ``message.channel`` raises, rather than answers, once that channel has
    # closed: asking it must not kill the consumer's worker (it did after a broker drop).
    try:
        return message.channel.is_closed
    except ChannelInvalidStateError:
        return True


async def _settle(outcome: Any) -> None:
    # After a reconnect the delivery's channel is gone; the broker redelivers it.
    try:
        await outcome
    except Exception as exc:
        log.warning("could not settle a delivery (%s); the broker will redeliver it", exc)


async def declare_topology(url: str, *, queue_type: QueueType = "classic") -> None:
    """Declare every exchange, fixed durable queue and binding, as the administrator
    (``url``'s user may configure everything), before services with least-privilege
    users connect."""
    bus = AmqpBus(url, connection_name="mythos-topology", queue_type=queue_type)
    await bus.connect()
    await bus.close()
