"""In-process bus with RabbitMQ's topic semantics, for embedded mode and tests.

One ``InMemoryBroker`` plays the broker; each service holds its own ``InMemoryBus``
on it, as it would hold its own connection, so exclusive queues die with their owner.

A broker in the process dies with the process: what RabbitMQ would still hold after a
kill -9 is lost. A queue named in ``confirm_on_ack`` makes up for it: a persistent publish
to it returns only once its consumer has handled the message (acked or dead-lettered),
so a publisher that waits for its confirm before going on (the game's saves) knows the
consumer has stored it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Sequence

from mythos_contracts.bus.correlation import outgoing_headers
from mythos_contracts.bus.memory_broker import DEFAULT_EXCHANGE, InMemoryBroker, _Queue
from mythos_contracts.bus.port import Delivery, Handler, RequestTimeout
from mythos_contracts.bus.settlements import InOrderSettlements
from mythos_contracts.ops.log_lines import log_context
from mythos_contracts.ops.metrics import BUS_DELIVERED, bus_published
from mythos_contracts.routing import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    DURABLE_TOPOLOGY,
    SINGLE_ACTIVE_QUEUES,
    TOPIC_EXCHANGES,
    reply_queue,
)

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_EXCHANGE", "InMemoryBroker", "InMemoryBus"]


class InMemoryBus:
    """A service's connection to an ``InMemoryBroker``."""

    def __init__(self, broker: InMemoryBroker, *, user: str | None = None) -> None:
        """``user`` plays the connection's broker user: stamped as every delivery's
        ``user_id``, as RabbitMQ does for the AMQP adapter."""
        self._broker = broker
        self._user = user
        self._consumers: list[asyncio.Task[None]] = []
        self._reply_queue: str | None = None
        self._pending: dict[str, asyncio.Future[bytes]] = {}
        self._consumed: dict[str, _Queue] = {}
        self._busy: set[asyncio.Task[None]] = set()
        self._replies: asyncio.Task[None] | None = None
        self._stopping = False
        self._connected = False

    async def connect(self) -> None:
        self._connected = True
        for name in (*TOPIC_EXCHANGES, DEAD_LETTER_EXCHANGE):
            self._broker.exchanges.setdefault(name, [])
        await self.declare_queue(DEAD_LETTER_QUEUE, dead_letter=False)
        await self.bind(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, "#")
        for queue, exchange, pattern in DURABLE_TOPOLOGY:
            await self.declare_queue(queue, single_active=queue in SINGLE_ACTIVE_QUEUES)
            await self.bind(queue, exchange, pattern)

    def is_connected(self) -> bool:
        return self._connected

    async def queue_depths(self) -> dict[str, int]:
        return {name: queue.items.qsize() for name, queue in self._consumed.items()}

    async def close(self) -> None:
        self._connected = False
        self._consumed.clear()
        for task in self._consumers:
            task.cancel()
        for task in self._consumers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._consumers.clear()
        for name in [n for n, q in self._broker.queues.items() if q.owner is self]:
            self._delete_queue(name)

    def _delete_queue(self, name: str) -> None:
        self._broker.queues.pop(name, None)
        for exchange, bindings in self._broker.exchanges.items():
            self._broker.exchanges[exchange] = [b for b in bindings if b[0] != name]

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
        if single_active and (exclusive or not durable):
            raise ValueError(f"single-active queue {name!r} must be durable, not exclusive")
        existing = self._broker.queues.get(name)
        if existing is not None:
            if existing.owner not in (None, self):
                raise PermissionError(f"queue {name!r} is exclusive to another connection")
            if existing.single_active != single_active:
                # RabbitMQ refuses a declaration with other arguments (PRECONDITION_FAILED).
                raise ValueError(f"queue {name!r} exists with other arguments")
            return
        self._broker.queues[name] = _Queue(
            name,
            self if exclusive else None,
            dead_letter,
            max_length,
            confirm_on_ack=name in self._broker.confirm_on_ack,
            single_active=single_active,
        )

    async def bind(self, queue: str, exchange: str, pattern: str) -> None:
        if queue not in self._broker.queues:
            raise LookupError(f"no queue {queue!r}")
        bindings = self._broker.exchanges[exchange]
        if (queue, pattern) not in bindings:
            bindings.append((queue, pattern))

    async def unbind(self, queue: str, exchange: str, pattern: str) -> None:
        bindings = self._broker.exchanges.get(exchange, [])
        if (queue, pattern) in bindings:
            bindings.remove((queue, pattern))

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
        delivery = Delivery(
            routing_key,
            body,
            correlation_id,
            reply_to,
            headers=outgoing_headers(),
            user_id=self._user,
        )
        confirms = self._broker.route(exchange, routing_key, delivery)
        bus_published(exchange).inc()
        if persistent and confirms:
            await asyncio.gather(*(asyncio.shield(c) for c in confirms))

    async def publish_many(
        self, exchange: str, messages: Sequence[tuple[str, bytes]], *, persistent: bool = True
    ) -> None:
        # Every message is routed before any confirm is awaited: a publish made after
        # this call started never overtakes its messages (as on RabbitMQ).
        confirms: list[asyncio.Future[None]] = []
        for routing_key, body in messages:
            delivery = Delivery(routing_key, body, headers=outgoing_headers(), user_id=self._user)
            confirms += self._broker.route(exchange, routing_key, delivery)
            bus_published(exchange).inc()
        if persistent and confirms:
            await asyncio.gather(*(asyncio.shield(c) for c in confirms))

    async def publish_routed(
        self, exchange: str, routing_keys: Sequence[str], body: bytes, *, persistent: bool = True
    ) -> None:
        if not routing_keys:
            raise ValueError("publish_routed needs at least one routing key")
        first, *also = routing_keys
        delivery = Delivery(first, body, headers=outgoing_headers(), user_id=self._user)
        confirms = self._broker.route(exchange, first, delivery, also=also)
        bus_published(exchange).inc()
        if persistent and confirms:
            await asyncio.gather(*(asyncio.shield(c) for c in confirms))

    async def consume(self, queue: str, handler: Handler, *, prefetch: int = 100) -> None:
        q = self._broker.queues[queue]
        task = asyncio.create_task(self._run(q, handler), name=f"consume {queue}")
        if q.single_active:
            q.consumers.append(task)  # in the order consumers register, as the broker's
        if queue == self._reply_queue:
            self._replies = task  # not a consumer stop_consuming stops: requests go on
        else:
            self._consumed[queue] = q
        self._consumers.append(task)

    async def stop_consuming(self) -> None:
        self._stopping = True
        stopping = [t for t in self._consumers if t is not self._replies]
        for task in stopping:
            if task not in self._busy:
                task.cancel()  # idle in get(): nothing is lost by this
        for task in stopping:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, queue: _Queue, handler: Handler) -> None:
        me = asyncio.current_task()
        assert me is not None
        try:
            while queue.single_active and queue.consumers[0] is not me:
                await queue.handed_over.wait()  # a standby: another consumer is active
            await self._deliver(queue, handler, me)
        finally:
            queue.leave(me)

    async def _deliver(self, queue: _Queue, handler: Handler, me: asyncio.Task[None]) -> None:
        acked = BUS_DELIVERED.labels(queue.name, "ack")
        dead_lettered = BUS_DELIVERED.labels(queue.name, "dead_letter")

        def settled(delivery: Delivery) -> None:
            acked.inc()
            queue.settle(delivery)

        def failed(delivery: Delivery, error: BaseException) -> None:
            log.error("a settlement failed (%r): %s takes nothing more", error, queue.name)
            stalled.set()

        settlements = InOrderSettlements(settled, failed)
        stalled = asyncio.Event()
        try:
            while not (self._stopping and queue.name != self._reply_queue):
                delivery = await queue.items.get()
                if stalled.is_set():
                    queue.put_back(delivery)  # as a broker's prefetched, unacked one
                    await asyncio.Future()  # until the bus closes: then all goes back
                self._busy.add(me)  # no await since get(): a stop now waits for this one
                try:
                    with log_context(**delivery.headers):
                        settlement = await handler(delivery)
                except asyncio.CancelledError:
                    queue.put_back(delivery)  # unacked: back in its place, like a broker
                    raise
                except Exception:
                    log.exception("handler failed on %s; dead-lettering it", delivery.routing_key)
                    dead_lettered.inc()
                    if queue.dead_letter:
                        self._broker.route(DEAD_LETTER_EXCHANGE, delivery.routing_key, delivery)
                    queue.settle(delivery)
                else:
                    settlements.add(delivery, settlement)
                finally:
                    self._busy.discard(me)
        except asyncio.CancelledError:
            if self._stopping and not settlements.has_failed:
                await settlements.drain()  # a graceful stop found this consumer idle
            for delivery in reversed(settlements.unsettled()):
                queue.put_back(delivery)  # before the one in hand, in their order
            raise
        await settlements.drain()
        for delivery in reversed(settlements.unsettled()):
            queue.put_back(delivery)  # a settlement failed while stopping: they come back

    async def request(
        self, exchange: str, routing_key: str, body: bytes, *, timeout: float = 5.0
    ) -> bytes:
        if self._reply_queue is None:
            self._reply_queue = reply_queue()
            await self.declare_queue(self._reply_queue, exclusive=True, dead_letter=False)
            await self.consume(self._reply_queue, self._on_reply)
        correlation_id = uuid.uuid4().hex
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        try:
            # Not persistent, as on RabbitMQ: a request's wait is its timeout alone, even
            # on a queue whose publishes are confirmed only once handled (the saves').
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

    async def _on_reply(self, delivery: Delivery) -> None:
        future = self._pending.get(delivery.correlation_id or "")
        if future is not None and not future.done():
            future.set_result(delivery.body)

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """An in-process broker never disconnects, so this is never called."""

    def on_connection_lost(self, callback: Callable[[], None]) -> None:
        """Never called either (``close`` is not a loss)."""

    async def reply(self, request: Delivery, body: bytes) -> None:
        if request.reply_to is None:
            raise ValueError("delivery has no reply_to: it was not sent with request()")
        await self.publish(
            DEFAULT_EXCHANGE, request.reply_to, body, correlation_id=request.correlation_id
        )
