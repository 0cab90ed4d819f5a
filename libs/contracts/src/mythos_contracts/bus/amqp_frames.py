"""AMQP 0-9-1 frames of a ``basic.publish``, packed with ``struct``.

The hot path publishes many small messages whose properties differ only by a command id
header, so building pamqp objects and marshalling them generically cost more than the
rest of a publish (about 17 µs, against about 2 µs here). Only what the bus sends is
supported: content type, headers of strings (and the ``BCC`` array of strings),
delivery mode, correlation id, reply-to and user id. The tests check every byte against
pamqp's own marshalling.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence

_FRAME_END = b"\xce"
_METHOD, _HEADER, _BODY = 1, 2, 3
_BASIC = 60
_PUBLISH = struct.pack(">HHH", _BASIC, 40, 0)  # class, method, reserved ticket

# Property flags of the Basic class, most significant bit first (AMQP 0-9-1 §4.2.6.1).
_CONTENT_TYPE = 1 << 15
_HEADERS = 1 << 13
_DELIVERY_MODE = 1 << 12
_CORRELATION_ID = 1 << 10
_REPLY_TO = 1 << 9
_USER_ID = 1 << 4

_frame_head = struct.Struct(">BHI").pack
_header_head = struct.Struct(">HHQ").pack
_flags = struct.Struct(">H").pack
_long = struct.Struct(">I").pack

BCC = "BCC"
"""The header RabbitMQ routes a message by besides its routing key, stripped before
delivery (sender-selected distribution)."""


def _shortstr(value: str) -> bytes:
    raw = value.encode()
    if len(raw) > 255:
        raise ValueError(f"AMQP short string over 255 bytes: {value[:40]!r}…")
    return bytes((len(raw),)) + raw


def _longstr(raw: bytes) -> bytes:
    return b"S" + _long(len(raw)) + raw


def _table(values: Mapping[str, str], bcc: Sequence[str]) -> bytes:
    fields = [(key, _longstr(value.encode())) for key, value in values.items()]
    if bcc:
        # RabbitMQ's sender-selected distribution: an array (``A``) of long strings.
        keys = b"".join(_longstr(_routing_key(key)) for key in bcc)
        fields.append((BCC, b"A" + _long(len(keys)) + keys))
    # Sorted by name, as pamqp writes a table (the tests compare bytes).
    entries = b"".join(_shortstr(key) + value for key, value in sorted(fields))
    return _long(len(entries)) + entries


def _routing_key(key: str) -> bytes:
    """A BCC key travels as a long string, but RabbitMQ routes by it as by the routing
    key, which AMQP limits to a short string: refuse what the routing key would refuse."""
    raw = key.encode()
    if len(raw) > 255:
        raise ValueError(f"AMQP routing key over 255 bytes: {key[:40]!r}…")
    return raw


def properties(
    *,
    content_type: str,
    persistent: bool,
    user_id: str,
    headers: Mapping[str, str] | None = None,
    correlation_id: str | None = None,
    reply_to: str | None = None,
    bcc: Sequence[str] = (),
) -> bytes:
    """The property flags and list of a content header (what follows its body size).

    ``bcc``: more routing keys, in the ``BCC`` header (beside ``headers``, which must not
    name it); each over 255 bytes raises ValueError, as the routing key does."""
    flags = _CONTENT_TYPE | _DELIVERY_MODE | _USER_ID
    fields = [_shortstr(content_type)]
    if headers or bcc:
        flags |= _HEADERS
        fields.append(_table(headers or {}, bcc))
    fields.append(b"\x02" if persistent else b"\x01")
    if correlation_id is not None:
        flags |= _CORRELATION_ID
        fields.append(_shortstr(correlation_id))
    if reply_to is not None:
        flags |= _REPLY_TO
        fields.append(_shortstr(reply_to))
    fields.append(_shortstr(user_id))
    return _flags(flags) + b"".join(fields)


def publish(
    channel: int,
    exchange: str,
    routing_key: str,
    body: bytes,
    props: bytes,
    *,
    max_body_frame: int,
) -> list[bytes]:
    """The frames of one publish (method, content header, body split at
    ``max_body_frame`` bytes), ready to be joined into one socket write."""
    method = _PUBLISH + _shortstr(exchange) + _shortstr(routing_key) + b"\x00"
    header = _header_head(_BASIC, 0, len(body)) + props
    out = [
        _frame_head(_METHOD, channel, len(method)),
        method,
        _FRAME_END,
        _frame_head(_HEADER, channel, len(header)),
        header,
        _FRAME_END,
    ]
    for start in range(0, len(body), max_body_frame):
        chunk = body[start : start + max_body_frame]
        out += (_frame_head(_BODY, channel, len(chunk)), chunk, _FRAME_END)
    return out
