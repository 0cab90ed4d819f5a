"""The bus port: the one way services talk to each other.

Semantics every adapter keeps (checked by one shared contract test suite):

* Exchanges are topic exchanges: ``*`` matches one dot-separated word, ``#`` zero or more.
* ``publish`` returns only once the message is safely routed (RabbitMQ: publisher confirm).
  ``publish_many`` publishes a list in order and returns once every one is confirmed.
* ``publish_routed`` publishes one message routed by several keys: each queue bound to
  any of them receives it once (RabbitMQ: the first key routes it, the others ride in
  its ``BCC`` header, which the broker strips before delivery).
* A consumer handles one delivery at a time, in queue order. Returning acks it;
  raising rejects it without requeue, which dead-letters it (poison messages never loop).
* A handler may return a *settlement* (an awaitable) instead of None: its delivery is
  acked only once the settlement completes, and only after every delivery before it is
  acked, while the consumer goes on with the next ones (group commit: a game's work is
  confirmed in batches, not one round trip per command). A settlement that raises leaves
  its delivery and every later one unacked: the consumer takes nothing more, and they
  come back, ``redelivered``, when its connection ends. ``stop_consuming`` waits for the
  settlements in hand.
* A queue declared ``single_active`` delivers to one consumer at a time (the first
  registered); the others wait. When the active consumer's connection ends, the next one
  gets the queue, with what the first had not acked first, in its order, ``redelivered``.
* ``request`` is request/reply with a correlation id and a private reply queue.
* Every delivery carries its publisher's user (``Delivery.user_id``), which a publisher
  cannot forge, so a consumer can check who sent a message.
* Both adapters count what they publish and deliver in the shared bus metrics
  (``mythos_contracts.ops.metrics``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class RequestTimeout(TimeoutError):
    """No reply arrived in time for ``Bus.request``."""


@dataclass(frozen=True)
class Delivery:
    routing_key: str
    body: bytes
    correlation_id: str | None = None
    reply_to: str | None = None
    redelivered: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    # The publisher's broker user, checked by the broker (RabbitMQ refuses a publish
    # whose user_id is not the connection's user); None when the publisher set none.
    user_id: str | None = None


Settlement = Awaitable[object]
"""What a handler may return: its delivery is acked once this completes (module doc)."""

Handler = Callable[[Delivery], Awaitable[Settlement | None]]


class Bus(Protocol):
    async def connect(self) -> None:
        """Open the connection and declare the exchanges every service relies on."""

    async def close(self) -> None: ...

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
        """Declare ``name``; an exclusive queue vanishes with its owner's connection.

        ``single_active``: one consumer at a time (see the module doc); durable only, and
        on RabbitMQ always a quorum queue (``x-single-active-consumer``), whose deliveries
        are dead-lettered once handed out ``SINGLE_ACTIVE_DELIVERY_LIMIT`` times.

        ``max_length``: at most this many messages wait (ready, not delivered); past it the
        oldest is dropped (RabbitMQ's ``x-max-length`` with ``x-overflow: drop-head``, not
        dead-lettered). For queues whose consumer heals gaps itself, e.g. an edge's."""

    async def bind(self, queue: str, exchange: str, pattern: str) -> None:
        """Returns once the binding routes. Calls for different patterns may be in flight
        at once (RabbitMQ: over several channels); a caller that needs one pattern's bind
        and unbind in order awaits the first before making the second."""

    async def unbind(self, queue: str, exchange: str, pattern: str) -> None: ...

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
        """Publish and wait until the broker has taken responsibility for the message."""

    async def publish_many(
        self, exchange: str, messages: Sequence[tuple[str, bytes]], *, persistent: bool = True
    ) -> None:
        """Publish ``(routing key, body)`` messages in their order (a queue receives them in
        it) without waiting for each confirm before the next; returns once the broker has
        taken responsibility for every one. Raises if one could not be published (those
        before it are published; the rest may be)."""

    async def publish_routed(
        self, exchange: str, routing_keys: Sequence[str], body: bytes, *, persistent: bool = True
    ) -> None:
        """Publish ONE message routed by every key in ``routing_keys`` (at least one;
        duplicates allowed): each queue bound to any of them receives it exactly once.
        Returns once the broker has taken responsibility for it (as ``publish``). The
        delivery's ``routing_key`` is the first key; its headers are ``publish``'s."""

    async def consume(self, queue: str, handler: Handler, *, prefetch: int = 100) -> None:
        """Start handling ``queue``'s deliveries one at a time in the background."""

    async def stop_consuming(self) -> None:
        """Graceful stop: take no new deliveries, let each handler in flight finish and be
        settled, and hand back (unacked, to be redelivered) whatever was not started.
        Publishing and ``request`` keep working until ``close``."""

    async def request(
        self, exchange: str, routing_key: str, body: bytes, *, timeout: float = 5.0
    ) -> bytes:
        """Send a request and wait for its reply; raises ``RequestTimeout``."""

    async def reply(self, request: Delivery, body: bytes) -> None:
        """Answer a delivery that came from ``request``."""

    def is_connected(self) -> bool:
        """True while the connection is open (False while lost, re-opening or closed)."""

    async def queue_depths(self) -> dict[str, int]:
        """Messages waiting (ready, not yet delivered) in each queue this bus consumes."""

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after the connection was lost and re-established (topology,
        bindings and consumers are restored by then; messages routed meanwhile are not)."""

    def on_connection_lost(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` as soon as the connection is found lost (not when ``close``
        closes it) and before any attempt to reconnect, so nothing goes out or comes in
        on a new connection before it has run. An in-process bus never loses it."""
