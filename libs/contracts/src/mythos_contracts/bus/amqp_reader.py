"""aiormq's frame reader with two awaits per frame, and the hot frames read with ``struct``.

aiormq 7.2.4's ``FrameReceiver`` reads each frame with three ``readexactly`` awaits
into a ``BytesIO`` under an ``asyncio.Lock``, then decodes it with pamqp's generic
field-by-field decoder. A delivery is three frames (``basic.deliver``, content header,
body) and a publisher confirm one; together they were the largest part of a service's
AMQP cost per message. ``LeanFrameReceiver`` reads the 7-byte frame header, then the
payload and frame end, with no lock (one reader per connection: the connect handshake,
then the connection's reader task) and no copy beyond the two reads. Body frames,
``basic.deliver``, ``basic.ack`` and content headers of the properties the bus sends
are decoded here (the same objects and values as pamqp's, without its validation of
what the broker sent); every other frame goes to pamqp as before. Errors map to aiormq's own exceptions, as ``FrameReceiver`` maps them.

Each decoded frame is offered to the connection's ``InlineFrames`` (``amqp_inline``)
before it is returned: confirms and deliveries it takes never reach aiormq's reader, and
the receiver reads on to the next frame.

``install()`` makes aiormq's connections use it (aiormq looks ``FrameReceiver`` up in
its module at each connect); the bus adapter calls it on import.
"""

from __future__ import annotations

import asyncio
import struct
import sys
from typing import Any

import aiormq.connection
import pamqp.frame
from aiormq.connection import FrameReceiver, ReceivedFrame
from aiormq.exceptions import AMQPConnectionError, InvalidFrameError, ProtocolSyntaxError
from pamqp import commands as spec
from pamqp.body import ContentBody
from pamqp.exceptions import PAMQPException
from pamqp.header import ContentHeader

from mythos_contracts.bus.amqp_inline import InlineFrames

_FRAME_HEAD = struct.Struct(">BHI")
_FRAME_END = 0xCE
_METHOD, _HEADER, _BODY = 1, 2, 3
_METHOD_INDEX = struct.Struct(">I")
_LONGLONG = struct.Struct(">Q")
_LONG = struct.Struct(">I")
_CONTENT_HEAD = struct.Struct(">HHQH")  # class, weight, body size, property flags
# Basic's properties in flag order (most significant bit first), each with its type;
# only these types are read here (a timestamp, or the flags' continuation bit, goes
# to pamqp).
# An absent property keeps pamqp's default (None, but cluster_id "").
_DEFAULTS = spec.Basic.Properties()
_PROPERTY_TYPES = tuple(
    (
        name,
        spec.Basic.Properties.flags[name],
        getattr(spec.Basic.Properties, "_" + name),
        getattr(_DEFAULTS, name),
    )
    for name in spec.Basic.Properties.__slots__
)
_READ_HERE = frozenset({"shortstr", "octet", "table"})
_NOT_READ_HERE = sum(flag for _, flag, kind, _ in _PROPERTY_TYPES if kind not in _READ_HERE) | 1
_DELIVER_INDEX = spec.Basic.Deliver.index
_ACK_INDEX = spec.Basic.Ack.index


class LeanFrameReceiver(FrameReceiver):
    """A drop-in ``FrameReceiver`` (see the module doc)."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        super().__init__(reader)
        self.inline = _inline_frames_of_caller()

    async def get_frame(self) -> ReceivedFrame:
        reader = self.reader
        inline = self.inline
        while True:
            if reader.at_eof():
                del self.reader
                raise StopAsyncIteration
            try:
                head = await reader.readexactly(7)
                if not self.started:
                    if head.startswith(b"AMQP"):  # the broker refused our protocol version
                        raise ProtocolSyntaxError("Unexpected AMQP protocol header")
                    self.started = True
                frame_type, channel, size = _FRAME_HEAD.unpack(head)
                rest = await reader.readexactly(size + 1)
            except asyncio.IncompleteReadError as e:
                raise AMQPConnectionError(
                    "Server connection unexpectedly closed. "
                    f"Read {len(e.partial)} bytes but {e.expected} bytes expected",
                ) from e
            except ConnectionRefusedError as e:
                raise AMQPConnectionError(f"Server connection refused: {e!r}") from e
            except ConnectionResetError as e:
                raise AMQPConnectionError(f"Server connection reset: {e!r}") from e
            except ConnectionError as e:
                raise AMQPConnectionError(f"Server connection error: {e!r}") from e
            except OSError as e:
                raise AMQPConnectionError(f"Server communication error: {e!r}") from e
            frame = _decode(frame_type, size, head, rest)
            if channel and inline is not None and inline.take(channel, frame):
                continue
            return size + 8, channel, frame


def _inline_frames_of_caller() -> InlineFrames | None:
    """The ``InlineFrames`` of the connection making this receiver: aiormq 7.2.4 makes
    it in ``Connection.connect`` (``FrameReceiver(reader)``, no connection given), so
    the caller's frame holds it. None elsewhere (tests reading bytes): all to aiormq."""
    caller = sys._getframe(2).f_locals.get("self")
    if isinstance(caller, aiormq.connection.Connection):
        return InlineFrames(caller)
    return None


def _decode(frame_type: int, size: int, head: bytes, rest: bytes) -> Any:
    """One frame's object: the hot ones read here, the rest by pamqp."""
    if rest[-1] == _FRAME_END:
        if frame_type == _BODY:
            return ContentBody(rest[:-1])
        if frame_type == _HEADER:
            try:
                header = _content_header(rest)
            except (IndexError, struct.error, UnicodeDecodeError):
                header = None  # malformed: pamqp words the error, below
            if header is not None:
                return header
        if frame_type == _METHOD and size >= 4:
            index = _METHOD_INDEX.unpack_from(rest)[0]
            try:
                if index == _DELIVER_INDEX:
                    return _deliver(rest)
                if index == _ACK_INDEX:
                    return _ack(rest)
            except (IndexError, struct.error, UnicodeDecodeError):
                pass  # malformed: pamqp words the error, below
    try:
        return pamqp.frame.unmarshal(head + rest)[2]
    except PAMQPException as e:
        raise InvalidFrameError(str(e)) from e


def _shortstr(data: bytes, at: int) -> tuple[str, int]:
    end = at + 1 + data[at]
    if end >= len(data):  # the last byte is the frame end
        raise IndexError("short string past the frame")
    return data[at + 1 : end].decode(), end


def _deliver(rest: bytes) -> spec.Basic.Deliver:
    """``basic.deliver``: consumer tag, delivery tag, redelivered, exchange, routing key
    (``rest``: the method frame's payload from its method index on, and the frame end)."""
    consumer_tag, at = _shortstr(rest, 4)
    (delivery_tag,) = _LONGLONG.unpack_from(rest, at)
    redelivered = bool(rest[at + 8] & 1)
    exchange, at = _shortstr(rest, at + 9)
    routing_key, at = _shortstr(rest, at)
    if at != len(rest) - 1:
        raise IndexError("basic.deliver is longer than its fields")
    frame = spec.Basic.Deliver.__new__(spec.Basic.Deliver)
    frame.consumer_tag = consumer_tag
    frame.delivery_tag = delivery_tag
    frame.redelivered = redelivered
    frame.exchange = exchange
    frame.routing_key = routing_key
    return frame


def _ack(rest: bytes) -> spec.Basic.Ack:
    """``basic.ack`` (a publisher confirm): delivery tag, multiple."""
    if len(rest) != 4 + 8 + 1 + 1:
        raise IndexError("basic.ack of another length")
    frame = spec.Basic.Ack.__new__(spec.Basic.Ack)
    (frame.delivery_tag,) = _LONGLONG.unpack_from(rest, 4)
    frame.multiple = bool(rest[12] & 1)
    return frame


def _content_header(rest: bytes) -> ContentHeader | None:
    """A content header whose properties are short strings, octets and a table of long
    strings (what the bus sends); None for anything else (pamqp reads it)."""
    class_id, weight, body_size, flags = _CONTENT_HEAD.unpack_from(rest)
    if flags & _NOT_READ_HERE:
        return None
    properties = spec.Basic.Properties.__new__(spec.Basic.Properties)
    at = 14
    for name, flag, kind, default in _PROPERTY_TYPES:
        value: object = default
        if flags & flag:
            if kind == "shortstr":
                value, at = _shortstr(rest, at)
            elif kind == "octet":
                value, at = rest[at], at + 1
            else:
                table = _string_table(rest, at)
                if table is None:
                    return None
                value, at = table
        setattr(properties, name, value)
    if at != len(rest) - 1:
        raise IndexError("content header longer than its properties")
    header = ContentHeader(weight, body_size, properties)
    header.class_id = class_id
    return header


def _string_table(data: bytes, at: int) -> tuple[dict[str, object], int] | None:
    """A field table of long strings (as pamqp reads them: text, or bytes if not UTF-8)
    and where it ends; None if it holds another type."""
    (size,) = _LONG.unpack_from(data, at)
    at += 4
    end = at + size
    if end > len(data) - 1:
        raise IndexError("field table past the frame")
    table: dict[str, object] = {}
    while at < end:
        key, at = _shortstr(data, at)
        if data[at] != 0x53:  # "S"
            return None
        (length,) = _LONG.unpack_from(data, at + 1)
        raw = data[at + 5 : at + 5 + length]
        at += 5 + length
        try:
            table[key] = raw.decode()
        except UnicodeDecodeError:
            table[key] = raw
    if at != end:
        raise IndexError("field table entry past the table")
    return table, end


def install() -> None:
    """Every aiormq connection opened from now on reads its frames with ``LeanFrameReceiver``."""
    aiormq.connection.FrameReceiver = LeanFrameReceiver  # type: ignore[misc]
