"""Publishing that rides out a reconnect: the bus's publishes, stamped and confirmed.

Above the pipeline (``amqp_publisher``): each message gets its properties (the
connection's ``user_id``, the correlation headers, a routed message's ``BCC`` keys), a
call's messages are submitted together, and whatever is not confirmed while the robust
connection re-opens is sent again, in order, for up to ``PUBLISH_RETRY_SECONDS``. What the broker refused for good
(permissions, preconditions) fails at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from aiormq.exceptions import AMQPError, ChannelAccessRefused, ChannelPreconditionFailed

from mythos_contracts.bus import amqp_frames
from mythos_contracts.bus.amqp_publisher import ConfirmingPipeline, Outgoing
from mythos_contracts.bus.amqp_topology import Topology
from mythos_contracts.bus.correlation import outgoing_headers
from mythos_contracts.ops.metrics import BUS_PUBLISH_RETRIES, bus_published

# The adapter's logger: its retry warnings kept their logger name when they moved here.
log = logging.getLogger("mythos_contracts.bus.amqp")

PUBLISH_RETRY_SECONDS = 60.0
_RETRYABLE = (AMQPError, ConnectionError, RuntimeError)
"""What a publish meets while the robust connection re-opens."""
_REFUSED = (ChannelAccessRefused, ChannelPreconditionFailed)
"""AMQP errors retrying cannot change."""


class RetryingPublisher:
    """``user_id`` is stamped on every publication; the broker refuses a user_id other
    than the connection's own user, so a consumer may trust it (who sent this)."""

    def __init__(self, pipeline: ConfirmingPipeline, topology: Topology, user_id: str) -> None:
        self._pipeline = pipeline
        self._topology = topology
        self._user_id = user_id

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

    async def publish_routed(
        self, exchange: str, routing_keys: Sequence[str], body: bytes, *, persistent: bool = True
    ) -> None:
        if not routing_keys:
            raise ValueError("publish_routed needs at least one routing key")
        first = routing_keys[0]
        # The broker routes by the routing key and by each BCC key, and puts the message
        # in each queue they reach once: a key repeated (or the first again) adds nothing.
        bcc = [key for key in dict.fromkeys(routing_keys[1:]) if key != first]
        props = self._properties(persistent, bcc=bcc)
        await self._publish_in_order(exchange, [Outgoing(exchange, first, body, props)])

    def _properties(
        self,
        persistent: bool,
        *,
        correlation_id: str | None = None,
        reply_to: str | None = None,
        bcc: Sequence[str] = (),
    ) -> bytes:
        return amqp_frames.properties(
            content_type="application/json",
            persistent=persistent,
            user_id=self._user_id,
            headers=outgoing_headers() or None,
            correlation_id=correlation_id,
            reply_to=reply_to,
            bcc=bcc,
        )

    async def _publish_in_order(self, exchange: str, pending: list[Outgoing]) -> None:
        published = bus_published(exchange)
        # time.monotonic, not the loop's time: asking asyncio for the running loop makes a
        # getpid system call (CPython 3.11), and this runs for every publish.
        deadline = time.monotonic() + PUBLISH_RETRY_SECONDS
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
                or time.monotonic() > deadline
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
        if exchange and not self._topology.has_exchange(exchange):
            await self._topology.exchange(exchange)
        # Unroutable events are normal (a room nobody's edge listens to): not mandatory.
        confirms = self._pipeline.submit(pending)
        if len(confirms) == 1:
            try:
                return [await confirms[0]]
            except Exception as exc:
                return [exc]
        return await asyncio.gather(*confirms, return_exceptions=True)
