"""What one AMQP bus declares: exchanges, queues (with their arguments) and bindings.

Declared on the bus's publishing channel; the robust connection declares them again
after a reconnect. A queue's options are kept, because a consuming channel declares the
queue again with the same ones (``AmqpBus.consume``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import aio_pika
from aio_pika.abc import AbstractRobustChannel, AbstractRobustExchange, AbstractRobustQueue

from mythos_contracts.routing import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    DURABLE_TOPOLOGY,
    SINGLE_ACTIVE_DELIVERY_LIMIT,
    SINGLE_ACTIVE_QUEUES,
    TOPIC_EXCHANGES,
)

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
    ) -> None:
        self._channel = channel
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
            await self.bind(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, "#")
        for queue, exchange, pattern in DURABLE_TOPOLOGY:
            if self._owned_queues is None or queue in self._owned_queues:
                await self.declare_queue(queue, single_active=queue in SINGLE_ACTIVE_QUEUES)
                await self.bind(queue, exchange, pattern)

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

    async def bind(self, queue: str, exchange: str, pattern: str) -> None:
        await self.queue(queue).bind(await self.exchange(exchange), pattern)

    async def unbind(self, queue: str, exchange: str, pattern: str) -> None:
        await self.queue(queue).unbind(await self.exchange(exchange), pattern)


def single_active_arguments() -> dict[str, Any]:
    """The arguments of a single-active queue (beside its dead-letter exchange), as
    ``declare_queue`` and the operator's Queue objects declare them: a second declaration
    with other arguments is refused (PRECONDITION_FAILED)."""
    return {
        "x-queue-type": "quorum",
        "x-single-active-consumer": True,
        "x-delivery-limit": SINGLE_ACTIVE_DELIVERY_LIMIT,
    }
