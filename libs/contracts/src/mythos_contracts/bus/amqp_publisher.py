"""Pipelined publishing on one confirming AMQP channel.

Publishes made during one turn of the event loop, by any number of callers, leave as
one socket write: each call appends its frames to a buffer, and the buffer is handed
to the connection's writer once, at the end of the turn. Each message's publisher
confirm is a future the caller awaits, all of a call's together.

Order: the buffer is appended to in call order with no suspension, and written in that
order; AMQP keeps one channel's order into a queue. So publishes arrive in the order
they were called, within a call and across calls.

This drives aiormq's channel directly (its delivery tag counter, confirmation map and
the connection's write queue), where aiormq's ``basic_publish`` would take the channel
lock, wait for its frame to be written and await its confirm, one message at a time.
aio-pika still opens, re-opens and declares; this only writes publishes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiormq import Channel
from aiormq.abc import ChannelFrame
from aiormq.exceptions import ChannelInvalidStateError

from mythos_contracts.bus import amqp_frames, amqp_inline


@dataclass(slots=True)
class Outgoing:
    exchange: str
    routing_key: str
    body: bytes
    props: bytes
    """``amqp_frames.properties(...)``: shared by the messages of one call."""


class ConfirmingPipeline:
    """``channel`` returns the current channel (a new one after a reconnect) or raises
    when there is none; it must be in confirm mode, and nothing else may publish on it
    (its delivery tags are counted here)."""

    def __init__(self, channel: Callable[[], Channel]) -> None:
        self._channel = channel
        self._buffer: list[tuple[Outgoing, asyncio.Future[object]]] = []
        self._scheduled = False
        self._blocked: asyncio.Task[None] | None = None
        self._watched: Channel | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        """The running loop, asked for once: ``asyncio.get_running_loop()`` makes a getpid
        system call each time (CPython 3.11 checks for a fork), and this runs per publish."""

    def submit(self, messages: Sequence[Outgoing]) -> list[asyncio.Future[object]]:
        """Queue ``messages`` for this turn's write; one confirm future each (an
        exception if the broker refused it or the channel closed before its confirm)."""
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[object]] = []
        for message in messages:
            future = loop.create_future()
            futures.append(future)
            self._buffer.append((message, future))
        if not self._scheduled and self._blocked is None:
            self._scheduled = True
            loop.call_soon(self._flush, loop)
        return futures

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        self._scheduled = False
        if self._blocked is not None:
            return  # the blocked write takes the buffer once there is room
        batch, self._buffer = self._buffer, []
        try:
            channel = self._channel()
            frame = self._prepare(channel, batch)
        except Exception as exc:
            _fail(batch, exc)
            return
        if frame is None:
            return
        try:
            channel.write_queue.put_nowait(frame)
        except asyncio.QueueFull:
            # The connection's writer is behind (its queue holds a few frames): wait for
            # room, keeping everything published meanwhile behind this frame.
            self._blocked = loop.create_task(self._write_when_room(channel, frame, batch))

    async def _write_when_room(
        self,
        channel: Channel,
        frame: ChannelFrame,
        batch: list[tuple[Outgoing, asyncio.Future[object]]],
    ) -> None:
        try:
            while True:
                await write_when_room(channel, frame)
                batch, self._buffer = self._buffer, []
                next_frame = self._prepare(channel, batch)
                if next_frame is None:
                    return
                frame = next_frame
        except BaseException as exc:
            self._unregister(channel, batch)
            _fail(batch, exc if isinstance(exc, Exception) else ChannelInvalidStateError())
            if not isinstance(exc, Exception):
                raise
        finally:
            self._blocked = None
            if self._buffer and not self._scheduled:
                self._scheduled = True
                loop = asyncio.get_running_loop()
                loop.call_soon(self._flush, loop)

    def _prepare(
        self, channel: Channel, batch: list[tuple[Outgoing, asyncio.Future[object]]]
    ) -> ChannelFrame | None:
        """The batch's frames as one write, each message's confirm registered."""
        if channel.is_closed:
            raise ChannelInvalidStateError("the publishing channel is closed")
        if channel is not self._watched:
            self._watched = channel
            # Its confirms are settled by the connection's reader (amqp_inline).
            setattr(channel, amqp_inline.CONFIRMS_INLINE, True)
            channel.closing.add_done_callback(lambda closed: _fail_unconfirmed(channel, closed))
        number = channel.number
        max_body = channel.max_content_size
        confirmations = channel.confirmations
        parts: list[bytes] = []
        for message, future in batch:
            if future.done():  # its caller was cancelled before the write: never sent
                continue
            try:
                parts += amqp_frames.publish(
                    number,
                    message.exchange,
                    message.routing_key,
                    message.body,
                    message.props,
                    max_body_frame=max_body,
                )
            except ValueError as exc:  # a name AMQP cannot carry: this message only
                future.set_exception(exc)
                continue
            channel.delivery_tag += 1
            confirmations[channel.delivery_tag] = future
        if not parts:
            return None
        return ChannelFrame(payload=b"".join(parts), should_close=False)

    @staticmethod
    def _unregister(channel: Channel, batch: list[tuple[Outgoing, asyncio.Future[object]]]) -> None:
        """Give back the delivery tags of a batch that was never written (tags are
        counted here only, and nothing was prepared after it)."""
        pending = {id(future) for _, future in batch}
        for tag in reversed(list(channel.confirmations)):
            if id(channel.confirmations[tag]) not in pending:
                break
            del channel.confirmations[tag]
            channel.delivery_tag -= 1


async def write_when_room(channel: Channel, frame: ChannelFrame) -> None:
    """Queue ``frame`` for the connection's writer once its queue has room; raises if the
    channel closes first (a dead connection's writer never makes room)."""
    put = asyncio.ensure_future(channel.write_queue.put(frame))
    closing = channel.closing
    await asyncio.wait((put, closing), return_when=asyncio.FIRST_COMPLETED)
    closing.cancel()
    if not put.done():
        put.cancel()
        raise ChannelInvalidStateError("the channel closed before its frame was written")


def _fail(batch: list[tuple[Outgoing, asyncio.Future[object]]], exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)


def _fail_unconfirmed(channel: Channel, closed: asyncio.Future[object]) -> None:
    """A closed channel confirms nothing more: fail what still waits (retryable)."""
    reason: BaseException | None = None
    if not closed.cancelled():
        reason = closed.exception()
    if reason is None or isinstance(reason, asyncio.CancelledError):
        reason = ChannelInvalidStateError("the publishing channel closed before confirming")
    for future in list(channel.confirmations.values()):
        if isinstance(future, asyncio.Future) and not future.done():
            future.set_exception(reason)
