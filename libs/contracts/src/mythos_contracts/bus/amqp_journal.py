"""RabbitMQ adapter of the journal port: a stream queue over AMQP 0-9-1.

A stream is an append-only, replicated log that consumers read from an offset without
removing anything; retention drops whole segments by age. Appends go through the
default exchange on a confirming channel of the journal's own connection (a game's
records never wait behind its events), written by the bus's pipelined publisher
(``amqp_publisher``): appends made in one loop turn leave as one socket write. ``read_recent`` appends a marker, then reads
from ``now - seconds`` (``x-stream-offset`` as a timestamp) until the marker comes
back: a stream consumer is never told it reached the end, the marker says it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractRobustChannel,
    AbstractRobustConnection,
)
from aiormq.exceptions import AMQPError, ChannelInvalidStateError

from mythos_contracts.bus import amqp_frames
from mythos_contracts.bus.amqp import checked_heartbeat
from mythos_contracts.bus.amqp_publisher import ConfirmingPipeline, Outgoing
from mythos_contracts.bus.connection_loss import ConnectionLoss
from mythos_contracts.bus.journal import Deliver, JournalUnavailable
from mythos_contracts.ops.metrics import bus_published

MARKER_HEADER = "x-mythos-journal-marker"
"""Set on the markers ``read_recent`` appends; never on a record."""
PREFETCH = 2000
ACK_EVERY = 500
"""A reader's credit, and how often it acks (``multiple``): far fewer frames than one
ack per record, which is most of a takeover's reading time."""
RECONNECT_SECONDS = 1.0
SEGMENT_BYTES = 8_000_000
"""Retention drops whole segments: small ones let ``max_age_seconds`` take effect."""


def stream_arguments(max_age_seconds: float | None, max_bytes: int) -> dict[str, Any]:
    """The stream's declare arguments (the Kubernetes Queue object carries the same);
    ``max_age_seconds`` None: kept by size only."""
    age = {} if max_age_seconds is None else {"x-max-age": f"{max(1, int(max_age_seconds))}s"}
    return {
        "x-queue-type": "stream",
        **age,
        "x-max-length-bytes": max_bytes,
        "x-stream-max-segment-size-bytes": SEGMENT_BYTES,
    }


def stream_offset(seconds: float) -> str | dt.datetime:
    """Where a read of the last ``seconds`` starts (``math.inf``: the first record)."""
    if math.isinf(seconds):
        return "first"
    return dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)


# A record is a message to the stream through the default exchange: counted with the
# bus's publishes there, so a run's broker messages per say include the journal's.
_JOURNAL_PUBLISHED = bus_published("")


class AmqpJournal:
    """``name``: the stream queue; ``declare``: False when the administrator declared
    it (a least-privilege user only checks it exists); ``heartbeat``: as ``AmqpBus``'s
    (whole seconds; None keeps the URL's or aiormq's 60 s)."""

    def __init__(
        self,
        url: str,
        name: str,
        *,
        max_age_seconds: float | None = 300.0,
        max_bytes: int = 2_000_000_000,
        connection_name: str = "journal",
        declare: bool = True,
        timeout: float = 10.0,
        heartbeat: int | None = None,
    ) -> None:
        self._url = url
        self._name = name
        self._heartbeat = checked_heartbeat(heartbeat)
        self._loss = ConnectionLoss()
        self._arguments = stream_arguments(max_age_seconds, max_bytes)
        self._connection_name = connection_name
        self._declare = declare
        self._timeout = timeout
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._underlay: aiormq.Channel | None = None
        self._pipeline = ConfirmingPipeline(self._current_underlay)
        self._user_id = unquote(urlsplit(url).username or "") or "guest"
        self._follow_channel: aio_pika.abc.AbstractChannel | None = None
        self._follow_broken = False
        self._markers: dict[str, asyncio.Event] = {}
        self._props = amqp_frames.properties(
            content_type="application/octet-stream", persistent=True, user_id=self._user_id
        )

    def _current_underlay(self) -> aiormq.Channel:
        if self._underlay is None:
            raise ChannelInvalidStateError("the journal is not open")
        return self._underlay

    async def _track_underlay(self, *_: object) -> None:
        # The robust channel opens a new aiormq channel after a reconnect.
        if self._channel is not None:
            self._underlay = cast(aiormq.Channel, await self._channel.get_underlay_channel())

    async def open(self) -> None:
        self._loss.closing = False
        self._connection = await aio_pika.connect_robust(
            self._url,
            client_properties={"connection_name": self._connection_name},
            # A game waits on its journal: reopen within a second, not aio-pika's five.
            reconnect_interval=RECONNECT_SECONDS,
            heartbeat=self._heartbeat,
        )
        # Run before the robust connection tries again.
        self._connection.close_callbacks.add(self._loss.lost)
        self._channel = await self._connection.channel(publisher_confirms=True)
        self._channel.reopen_callbacks.add(self._track_underlay)
        await self._track_underlay()
        await self._channel.declare_queue(
            self._name,
            durable=True,
            passive=not self._declare,
            arguments=self._arguments if self._declare else None,
        )

    async def append(self, record: bytes) -> None:
        await self._publish(record, self._props)

    def submit(self, record: bytes) -> Awaitable[None]:
        """The record goes in this turn's socket write before this returns; await the
        result for its confirm (``SubmittingJournal``)."""
        return self._publish(record, self._props)

    def _publish(self, body: bytes, props: bytes) -> Awaitable[None]:
        (confirm,) = self._pipeline.submit([Outgoing("", self._name, body, props)])
        return self._confirmed(confirm)

    async def _confirmed(self, confirm: asyncio.Future[object]) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                await confirm
        except (AMQPError, ConnectionError, RuntimeError, TimeoutError) as exc:
            raise JournalUnavailable(f"a journal record was not confirmed: {exc!r}") from exc
        _JOURNAL_PUBLISHED.inc()

    def _marker_props(self, marker: str) -> bytes:
        return amqp_frames.properties(
            content_type="application/octet-stream",
            persistent=True,
            user_id=self._user_id,
            headers={MARKER_HEADER: marker},
        )

    async def follow(self, seconds: float, deliver: Deliver) -> None:
        if self._connection is None:
            raise JournalUnavailable("the journal is not open")
        # A robust connection would consume again from the same moment after a
        # reconnect: records twice, out of order. Such a follow is broken for good, from
        # the moment the connection is lost (a marker would never come back).
        self._connection.close_callbacks.add(self._broken)
        self._connection.reconnect_callbacks.add(self._broken)
        since = stream_offset(seconds)
        taken = 0

        async def take(message: AbstractIncomingMessage) -> None:
            nonlocal taken
            taken += 1
            seen = message.headers.get(MARKER_HEADER)
            if seen is None:
                deliver(message.body)
            elif isinstance(seen, str) and seen in self._markers:
                self._markers[seen].set()
            if taken % ACK_EVERY == 0:
                await message.ack(multiple=True)

        channel = await self._connection.channel()
        self._follow_channel = channel
        await channel.set_qos(prefetch_count=PREFETCH)
        queue = await channel.get_queue(self._name, ensure=False)
        await queue.consume(take, arguments={"x-stream-offset": since})

    def _broken(self, *_: object) -> None:
        self._follow_broken = True

    def on_connection_lost(self, callback: Callable[[], None]) -> None:
        self._loss.add(callback)

    async def caught_up(self) -> bool:
        if self._follow_channel is None or self._follow_broken:
            return False
        marker = uuid.uuid4().hex
        seen = self._markers[marker] = asyncio.Event()
        try:
            await self._publish(b"", self._marker_props(marker))
            async with asyncio.timeout(self._timeout):
                await seen.wait()
        except (JournalUnavailable, TimeoutError):
            return False
        finally:
            self._markers.pop(marker, None)
        return not self._follow_broken

    async def unfollow(self, deliver: Deliver) -> None:
        channel, self._follow_channel = self._follow_channel, None
        if channel is not None:
            with contextlib.suppress(AMQPError, ConnectionError, RuntimeError):
                await channel.close()

    async def read_recent(self, seconds: float) -> list[bytes]:
        if self._connection is None:
            raise JournalUnavailable("the journal is not open")
        marker = uuid.uuid4().hex
        await self._publish(b"", self._marker_props(marker))
        since = stream_offset(seconds)
        records: list[bytes] = []
        reached = asyncio.Event()

        taken = 0

        async def take(message: AbstractIncomingMessage) -> None:
            # Everything before the first await: callbacks may run as tasks, and only
            # their first steps are sure to run in delivery order.
            nonlocal taken
            taken += 1
            seen = message.headers.get(MARKER_HEADER)
            if not reached.is_set():
                if seen is None:
                    records.append(message.body)
                elif seen == marker:
                    reached.set()  # (another reader's marker is skipped)
            if taken % ACK_EVERY == 0:
                # A stream consumer's credit (nothing is removed): one ack for many.
                await message.ack(multiple=True)

        try:
            channel = await self._connection.channel()
        except (AMQPError, ConnectionError, RuntimeError) as exc:
            raise JournalUnavailable(f"the journal could not be read: {exc!r}") from exc
        try:
            await channel.set_qos(prefetch_count=PREFETCH)
            queue = await channel.get_queue(self._name, ensure=False)
            # A timestamp offset: the stream starts at the chunk holding that moment.
            await queue.consume(take, arguments={"x-stream-offset": since})
            try:
                spread = 0 if math.isinf(seconds) else seconds / 10
                async with asyncio.timeout(self._timeout + spread):
                    await reached.wait()
            except TimeoutError as exc:
                raise JournalUnavailable(
                    f"the journal was not read to its end in time ({len(records)} records)"
                ) from exc
        except (AMQPError, ConnectionError, RuntimeError) as exc:
            raise JournalUnavailable(f"the journal could not be read: {exc!r}") from exc
        finally:
            with contextlib.suppress(AMQPError, ConnectionError, RuntimeError):
                await channel.close()
        return records

    async def close(self) -> None:
        self._loss.closing = True
        if self._connection is not None:
            with contextlib.suppress(AMQPError, ConnectionError, RuntimeError):
                await self._connection.close()
            self._connection = None
            self._channel = None
            self._underlay = None
