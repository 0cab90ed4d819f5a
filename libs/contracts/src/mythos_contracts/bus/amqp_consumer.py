"""One queue's consumer: deliveries handled one at a time, in order, acks batched.

aio-pika registers the consumer, so its robust channel re-declares the queue and
restarts the consumer after a reconnect. Deliveries then skip aio-pika's message object
and its task: the aiormq channel hands each one straight to the inbox (the first
deliveries after a (re)start go through aio-pika once, which installs the direct route
on that channel). aiormq's channel reader makes a task per delivery to call a consumer;
the direct route puts the delivery in the inbox from the reader itself instead, when
every earlier delivery of the channel is in the inbox already (a channel numbers its
deliveries 1, 2, 3...): else, while the first ones still go through aio-pika's tasks,
it takes a task as aiormq would, so nothing overtakes them.

Acks: a delivery's handler has finished before the next one starts, and a channel's
delivery tags grow in delivery order, so one ``basic.ack`` with ``multiple`` set covers
every delivery handled since the last. It is written at the end of the loop turn in
which handlers finished (a burst handled without suspending is acked once; a handler
that waits lets the ack of those before it go out meanwhile), before a reject (a poison
message is dead-lettered on its own tag), and before the worker stops. It never covers a
delivery whose handler has not returned: those come later in the channel's order.

A handler that returns a settlement (the port's module doc) has its delivery acked once
the settlement and those before it completed (``InOrderSettlements``), so the same
``multiple`` ack stays correct; the worker meanwhile goes on with the next delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import Any, NamedTuple, cast

import aiormq
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustQueue
from aiormq.abc import AbstractChannel, ChannelFrame, DeliveredMessage
from aiormq.exceptions import ChannelInvalidStateError
from pamqp import commands as spec

from mythos_contracts.bus import amqp_inline
from mythos_contracts.bus.amqp_publisher import write_when_room
from mythos_contracts.bus.correlation import incoming_headers
from mythos_contracts.bus.port import Delivery, Handler
from mythos_contracts.bus.settlements import InOrderSettlements
from mythos_contracts.ops.log_lines import log_context
from mythos_contracts.ops.metrics import BUS_DELIVERED

log = logging.getLogger(__name__)

_INLINE = "_mythos_reads_inline"
"""Set on an aiormq channel whose reader puts direct deliveries in the inbox itself."""
# aiormq 7.2.4's channel: its handler of a basic.deliver (replaced on the instance: its
# reader looks it up per frame) and its private reader of the content header.
_ON_DELIVER = "_on_deliver_frame"
_READ_HEADER = "_Channel__get_content_header"


class Arrived(NamedTuple):
    channel: AbstractChannel
    tag: int
    delivery: Delivery


class _Inbox(asyncio.Queue[Arrived]):
    """An ``asyncio.Queue`` bound to its loop when made: the queue's own ``_get_loop``
    asks asyncio for the running loop, a getpid system call (CPython 3.11), each time
    the worker waits for a delivery."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._bound = loop

    def _get_loop(self) -> asyncio.AbstractEventLoop:
        return self._bound


class QueueConsumer:
    """Made in the loop it consumes in (it holds it: ``asyncio.get_running_loop()`` makes
    a getpid system call each time, and acks and waits come per delivery)."""

    def __init__(self, name: str, queue: AbstractRobustQueue, handler: Handler) -> None:
        self.name = name
        self.queue = queue
        self.handler = handler
        self._loop = asyncio.get_running_loop()
        self.inbox: asyncio.Queue[Arrived] = _Inbox(self._loop)
        self.tag = ""
        self.worker: asyncio.Task[None] | None = None
        self.busy = False
        self.stopping = False
        self._acked = BUS_DELIVERED.labels(name, "ack")
        self._dead_lettered = BUS_DELIVERED.labels(name, "dead_letter")
        self._unacked_channel: AbstractChannel | None = None
        self._unacked_tag = 0
        self._unacked = 0
        self._ack_scheduled = False
        self._ack_blocked: asyncio.Task[None] | None = None
        self._last_put: tuple[AbstractChannel, int] | None = None
        """The channel and tag of the delivery put in the inbox last."""
        self._settlements: InOrderSettlements[tuple[AbstractChannel, int]] = InOrderSettlements(
            self._settled, self._settlement_failed
        )

    async def start(self) -> None:
        self.tag = await self.queue.consume(self._through_aio_pika)
        self.worker = asyncio.create_task(self._work(), name=f"consume {self.name}")

    async def _through_aio_pika(self, message: AbstractIncomingMessage) -> None:
        # Only until the direct route is installed on this (new) channel. Order holds:
        # a delivery read after the switch was read after the reader last suspended,
        # so the earlier ones' aio-pika tasks (two hops) were all queued before the
        # direct route's task (one hop) was made.
        try:
            channel = cast(aiormq.Channel, message.channel)
        except ChannelInvalidStateError:
            return  # its channel died: the broker redelivers it on the new one
        # The message's tag: start() may not have its own yet (deliveries can be read
        # before the consume call returns).
        tag = message.consumer_tag or self.tag
        if tag in channel.consumers:  # not if it was cancelled meanwhile
            channel.consumers[tag] = self._direct
            self._read_inline(channel)
        self._put(
            Arrived(
                channel,
                message.delivery_tag or 0,
                Delivery(
                    routing_key=message.routing_key or "",
                    body=message.body,
                    correlation_id=message.correlation_id,
                    reply_to=message.reply_to,
                    redelivered=bool(message.redelivered),
                    headers=incoming_headers(message.headers),
                    user_id=message.user_id,
                ),
            )
        )

    async def _direct(self, message: DeliveredMessage) -> None:
        self._arrived(message)

    def _arrived(self, message: DeliveredMessage) -> None:
        properties = message.header.properties
        frame: Any = message.delivery
        self._put(
            Arrived(
                message.channel,
                frame.delivery_tag,
                Delivery(
                    routing_key=frame.routing_key or "",
                    body=message.body,
                    correlation_id=properties.correlation_id,
                    reply_to=properties.reply_to,
                    redelivered=bool(frame.redelivered),
                    headers=incoming_headers(properties.headers),
                    user_id=properties.user_id,
                ),
            )
        )

    def _put(self, arrived: Arrived) -> None:
        self._last_put = (arrived.channel, arrived.tag)
        self.inbox.put_nowait(arrived)

    def _read_inline(self, channel: aiormq.Channel) -> None:
        """Have ``channel``'s reader call the direct route without a task (module doc)."""
        if getattr(channel, _INLINE, False):
            return
        if not all(hasattr(channel, name) for name in (_READ_HEADER, _ON_DELIVER, "_read_content")):
            # Another aiormq than the one pinned: its own task per delivery, as before.
            log.warning("aiormq's channel is not the one expected: deliveries go by task")
            setattr(channel, _INLINE, True)
            return
        read_header = getattr(channel, _READ_HEADER)
        read_content = channel._read_content
        consumers = channel.consumers
        route = _DirectRoute(self, channel)

        async def on_deliver_frame(frame: spec.Basic.Deliver) -> None:
            # aiormq's Channel._on_deliver_frame, but for the inline put.
            header = await read_header()
            message = await read_content(frame, header)
            if frame.consumer_tag is None:
                log.warning("Frame %r has no consumer tag", frame)
                return
            consumer = consumers.get(frame.consumer_tag)
            if consumer is None:
                return
            deliver = route.accepts(frame)
            if deliver is not None:
                deliver(message)
                return
            task = channel.create_task(consumer(message))
            task.add_done_callback(channel._on_consumer_done)

        setattr(channel, _ON_DELIVER, on_deliver_frame)
        # The same check in the connection's reader, which needs no task at all.
        setattr(channel, amqp_inline.DELIVERIES_INLINE, route)
        setattr(channel, _INLINE, True)

    async def _work(self) -> None:
        try:
            await self._work_until_stopped()
        except asyncio.CancelledError:
            if self.stopping and not self._settlements.has_failed:
                await self._settle_and_ack()  # a graceful stop found the worker idle
            raise
        await self._settle_and_ack()

    async def _settle_and_ack(self) -> None:
        await self._settlements.drain()
        await self._ack_now()

    async def _work_until_stopped(self) -> None:
        inbox = self.inbox
        while not self.stopping:
            channel, tag, delivery = await inbox.get()
            if channel.is_closed:
                continue  # its channel died: the broker redelivers it on the new one
            self.busy = True  # no await since get(): a stop now waits for this one
            try:
                if self._unacked and channel is not self._unacked_channel:
                    await self._ack_now()  # a new channel (reconnect) numbers anew
                try:
                    with log_context(**delivery.headers):
                        settlement = await self.handler(delivery)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("handler failed on %s; dead-lettering it", delivery.routing_key)
                    await self._ack_now()
                    await _settle(channel.basic_reject(tag, requeue=False, wait=False))
                    self._dead_lettered.inc()
                else:
                    self._settlements.add((channel, tag), settlement)
            finally:
                self.busy = False

    def _settled(self, arrived: tuple[AbstractChannel, int]) -> None:
        channel, tag = arrived
        if not channel.is_closed:  # else the broker hands it out again anyway
            self._handled(channel, tag)

    def _settlement_failed(
        self, arrived: tuple[AbstractChannel, int], error: BaseException
    ) -> None:
        log.error(
            "a delivery's settlement failed (%r): %s takes nothing more; what it has not "
            "acked comes back when its connection ends",
            error,
            self.name,
        )
        self.stopping = True
        if not self.busy and self.worker is not None:
            self.worker.cancel()

    def _handled(self, channel: AbstractChannel, tag: int) -> None:
        self._unacked_channel, self._unacked_tag = channel, tag
        self._unacked += 1
        if not self._ack_scheduled:
            self._ack_scheduled = True
            self._loop.call_soon(self._ack_soon)

    def _take_ack(self) -> tuple[aiormq.Channel, ChannelFrame, int] | None:
        if not self._unacked or self._unacked_channel is None:
            return None
        channel = cast(aiormq.Channel, self._unacked_channel)
        count, self._unacked = self._unacked, 0
        if channel.is_closed:
            log.warning("could not ack %d deliveries: their channel closed; they come back", count)
            return None
        ack = spec.Basic.Ack(delivery_tag=self._unacked_tag, multiple=True)
        return channel, ChannelFrame.marshall(channel.number, [ack]), count

    def _ack_soon(self) -> None:
        """At the end of the loop turn in which handlers finished: one ack for them all."""
        self._ack_scheduled = False
        if self._ack_blocked is not None:
            return  # the blocked ack acks these too once it is written
        taken = self._take_ack()
        if taken is None:
            return
        channel, frame, count = taken
        try:
            channel.write_queue.put_nowait(frame)
        except asyncio.QueueFull:
            self._ack_blocked = self._loop.create_task(self._ack_when_room(channel, frame, count))
        else:
            self._acked.inc(count)

    async def _ack_when_room(
        self, channel: aiormq.Channel, frame: ChannelFrame, count: int
    ) -> None:
        try:
            await write_when_room(channel, frame)
            self._acked.inc(count)
        except Exception as exc:
            log.warning("could not ack %d deliveries (%s); they come back", count, exc)
        finally:
            self._ack_blocked = None
            if self._unacked and not self._ack_scheduled:
                self._ack_scheduled = True
                self._loop.call_soon(self._ack_soon)

    async def _ack_now(self) -> None:
        """Write the ack of what was handled before going on (a reject, a stop)."""
        if self._ack_blocked is not None:
            with contextlib.suppress(Exception):
                await self._ack_blocked
        taken = self._take_ack()
        if taken is not None:
            channel, frame, count = taken
            await self._ack_when_room(channel, frame, count)

    async def hand_back(self) -> None:
        """Requeue what was delivered but not started (the worker has stopped)."""
        while not self.inbox.empty():
            channel, tag, _ = self.inbox.get_nowait()
            if not channel.is_closed:
                await _settle(channel.basic_nack(tag, requeue=True, wait=False))


class _DirectRoute:
    """The connection's reader hands a delivery straight to the consumer's inbox when
    every earlier delivery of the channel is there already (``amqp_inline``)."""

    __slots__ = ("_channel", "_consumer", "_consumers", "_direct")

    def __init__(self, consumer: QueueConsumer, channel: aiormq.Channel) -> None:
        self._consumer = consumer
        self._channel = channel
        self._consumers = channel.consumers
        self._direct = consumer._direct

    def accepts(self, frame: spec.Basic.Deliver) -> amqp_inline.Deliver | None:
        consumer = self._consumer
        if self._consumers.get(frame.consumer_tag or "") == self._direct and consumer._last_put == (
            self._channel,
            (frame.delivery_tag or 0) - 1,
        ):
            return consumer._arrived
        return None


async def _settle(outcome: Awaitable[Any]) -> bool:
    # After a reconnect the delivery's channel is gone; the broker redelivers it.
    try:
        await outcome
    except Exception as exc:
        log.warning("could not settle a delivery (%s); the broker will redeliver it", exc)
        return False
    return True
