"""What one AMQP bus declares: exchanges, queues (with their arguments) and bindings.

Declared on the bus's publishing channel; the robust connection declares them again
after a reconnect. A queue's options are kept, because a consuming channel declares the
queue again with the same ones (``AmqpBus.consume``).

Bindings made after connect (an edge binds a key per player and per room, thousands
when many connect or leave at once) go over ``BINDING_CHANNELS`` channels of their own,
side by side: AMQP's ``queue.unbind`` has no no-wait form, so each change is a round
trip, one at a time on a channel. One pattern always takes the same channel, so its
changes keep their order, and that channel's robust queue is the one that remembers the
binding (to bind it again after a reconnect) and forgets it on unbind.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import aio_pika
from aio_pika.abc import AbstractRobustChannel, AbstractRobustExchange, AbstractRobustQueue
from aio_pika.robust_queue import RobustQueue

from mythos_contracts.routing import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    DURABLE_TOPOLOGY,
    SINGLE_ACTIVE_DELIVERY_LIMIT,
    SINGLE_ACTIVE_QUEUES,
    TOPIC_EXCHANGES,
)

BINDING_CHANNELS = 8
"""Channels for binding changes made after connect (see the module doc). RabbitMQ 3.10
on the 2-core machine: 10,000 unbinds took 4.8 ms each on one channel and 1.3 ms each
over eight (docs/benchmarks/README.md, "Memory after close")."""

QueueType = Literal["classic", "quorum"]
"""``quorum`` replicates each durable queue over a RabbitMQ cluster (Raft), so losing a
broker node loses no queue and no message; ``classic`` keeps it on one node. Every
service on a vhost must use the same type: a queue is declared by all of them."""


class Topology:
    """``channel`` returns the bus's publishing channel (or raises when not connected).
    ``owned_queues`` as ``AmqpBus`` takes it: ``None`` declares everything, a tuple only
    those fixed queues, the exchanges then being only checked to exist."""

    def __init__(
        self,
        channel: Callable[[], AbstractRobustChannel],
        *,
        queue_type: QueueType,
        owned_queues: tuple[str, ...] | None,
        open_channel: Callable[[], Awaitable[AbstractRobustChannel]] | None = None,
    ) -> None:
        """``open_channel`` opens another channel on the connection, for binding changes
        (None: they go over ``channel`` too)."""
        self._channel = channel
        self._open_channel = open_channel
        self._binding_channels: dict[int, asyncio.Future[AbstractRobustChannel]] = {}
        self._binding_queues: dict[tuple[int, str], asyncio.Future[AbstractRobustQueue]] = {}
        self._queue_type = queue_type
        self._owned_queues = owned_queues
        self._exchanges: dict[str, AbstractRobustExchange] = {}
        self._queues: dict[str, AbstractRobustQueue] = {}
        self._queue_options: dict[str, dict[str, Any]] = {}

    async def declare_fixed(self) -> None:
        """On connect: the topic exchanges; the dead-letter exchange and queue when
        declaring everything; the fixed durable queues (all, or the owned ones) bound."""
        for name in TOPIC_EXCHANGES:
            await self.exchange(name)
        if self._owned_queues is None:
            await self.exchange(DEAD_LETTER_EXCHANGE)
            await self.declare_queue(DEAD_LETTER_QUEUE, dead_letter=False)
            await self._bind_fixed(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, "#")
        for queue, exchange, pattern in DURABLE_TOPOLOGY:
            if self._owned_queues is None or queue in self._owned_queues:
                await self.declare_queue(queue, single_active=queue in SINGLE_ACTIVE_QUEUES)
                await self._bind_fixed(queue, exchange, pattern)

    async def _bind_fixed(self, queue: str, exchange: str, pattern: str) -> None:
        # On the publishing channel, as declared: never unbound, so no binding channel.
        await self.queue(queue).bind(await self.exchange(exchange), pattern)

    def has_exchange(self, name: str) -> bool:
        return name in self._exchanges

    async def exchange(self, name: str) -> AbstractRobustExchange:
        exchange = self._exchanges.get(name)
        if exchange is None:
            # A passive declare needs no configure permission: it only checks existence.
            exchange = await self._channel().declare_exchange(
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
        self._queues[name] = await self._channel().declare_queue(name, **options)

    def queue(self, name: str) -> AbstractRobustQueue:
        try:
            return self._queues[name]
        except KeyError:
            raise LookupError(f"queue {name!r} was not declared on this bus") from None

    def queue_options(self, name: str) -> dict[str, Any]:
        """The options ``name`` was declared with (``KeyError`` if it was not)."""
        return self._queue_options[name]

    def forget_channels(self) -> None:
        """The connection is closed: its binding channels with it."""
        self._binding_channels.clear()
        self._binding_queues.clear()

    async def bind(self, queue: str, exchange: str, pattern: str) -> None:
        bound = await self._binding_queue(queue, exchange, pattern)
        await bound.bind(await self.exchange(exchange), pattern)

    async def unbind(self, queue: str, exchange: str, pattern: str) -> None:
        bound = await self._binding_queue(queue, exchange, pattern)
        target = await self.exchange(exchange)
        if not isinstance(bound, RobustQueue):
            await bound.unbind(target, pattern)
            return
        # What RobustQueue.unbind does, but forgetting the binding by key: it walks every
        # binding the queue has to find the one (10,000 keys bound: most of the edge's
        # CPU on a mass close). ``bind`` stored it under this same exchange object.
        await aio_pika.Queue.unbind(bound, target, pattern)
        bound._bindings.pop((target, pattern), None)

    async def _binding_queue(self, queue: str, exchange: str, pattern: str) -> AbstractRobustQueue:
        """The robust queue, on the binding channel this pattern always takes."""
        if self._open_channel is None:
            return self.queue(queue)
        slot = zlib.crc32(f"{queue} {exchange} {pattern}".encode()) % BINDING_CHANNELS
        # One declaration per channel and queue, however many callers ask at once: two
        # robust queues for one would each remember (and restore) their own bindings.
        declared = self._binding_queues.get((slot, queue))
        if declared is None:
            declared = asyncio.ensure_future(self._declare_for_bindings(slot, queue))
            self._binding_queues[(slot, queue)] = declared
            declared.add_done_callback(
                lambda done: _drop_failed(self._binding_queues, (slot, queue), done)
            )
        return await asyncio.shield(declared)

    async def _declare_for_bindings(self, slot: int, queue: str) -> AbstractRobustQueue:
        options = self._queue_options.get(queue)
        if options is None:
            raise LookupError(f"queue {queue!r} was not declared on this bus")
        opened = self._binding_channels.get(slot)
        if opened is None:
            assert self._open_channel is not None
            opened = asyncio.ensure_future(self._open_channel())
            self._binding_channels[slot] = opened
            opened.add_done_callback(lambda done: _drop_failed(self._binding_channels, slot, done))
        channel = await asyncio.shield(opened)
        # Declared there with the queue's own options (an exclusive queue is the
        # connection's, so any of its channels may); the robust channel declares it again
        # after a reconnect, before it binds again what it remembers.
        return await channel.declare_queue(queue, **options)


def _drop_failed(cache: dict[Any, Any], key: object, done: asyncio.Future[Any]) -> None:
    """A declaration or channel that failed is not kept: the next call tries again."""
    if done.cancelled() or done.exception() is not None:
        cache.pop(key, None)


def single_active_arguments() -> dict[str, Any]:
    """The arguments of a single-active queue (beside its dead-letter exchange), as
    ``declare_queue`` and the operator's Queue objects declare them: a second declaration
    with other arguments is refused (PRECONDITION_FAILED)."""
    return {
        "x-queue-type": "quorum",
        "x-single-active-consumer": True,
        "x-delivery-limit": SINGLE_ACTIVE_DELIVERY_LIMIT,
    }
