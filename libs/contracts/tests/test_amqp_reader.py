"""The lean frame reader reads what aiormq's own reader reads, and fails where it fails."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

import aiormq.connection
import pamqp.frame
import pytest
from aiormq.exceptions import AMQPConnectionError, InvalidFrameError, ProtocolSyntaxError
from mythos_contracts.bus import amqp  # noqa: F401  # installs the lean reader, as services do
from mythos_contracts.bus.amqp_reader import LeanFrameReceiver
from pamqp import commands as spec
from pamqp.base import Frame
from pamqp.body import ContentBody
from pamqp.header import ContentHeader
from pamqp.heartbeat import Heartbeat

# aiormq's own reader (the module's name now gives ours: the bus adapter installed it).
FrameReceiver = LeanFrameReceiver.__bases__[0]
BODY = '{"event_type":"chat_message","data":{"text":"ç ☃"}}'.encode()
PROPERTIES = spec.Basic.Properties(
    content_type="application/json",
    headers={"command_id": "c-☃"},
    delivery_mode=1,
    correlation_id="corr",
    user_id="mythos-game",
)
OTHER_PROPERTIES = spec.Basic.Properties(
    content_encoding="gzip",
    reply_to="amq.gen-x",
    expiration="60000",
    message_id="m-1",
    message_type="t",
    app_id="a",
    headers={"a": "1", "b": "ç"},
)
NOW = datetime.datetime(2026, 12, 6, 8, 0, tzinfo=datetime.UTC)
FRAMES: list[tuple[int, Any]] = [
    (1, spec.Basic.ConsumeOk(consumer_tag="ctag1.x")),
    (1, spec.Basic.Deliver("ctag1.x", 1, False, "mythos.events", "room.hall.chat_message")),
    (1, ContentHeader(body_size=len(BODY), properties=PROPERTIES)),
    (1, ContentBody(BODY)),
    (2, spec.Basic.Deliver("t", 2**63 - 1, True, "", "édge.☃")),
    (2, ContentHeader(body_size=0)),
    (2, ContentHeader(body_size=3, properties=spec.Basic.Properties(headers={}, priority=9))),
    (2, ContentHeader(body_size=1, properties=OTHER_PROPERTIES)),
    (2, ContentHeader(body_size=1, properties=spec.Basic.Properties(headers={"n": 1}))),
    (2, ContentHeader(body_size=1, properties=spec.Basic.Properties(timestamp=NOW))),
    (3, spec.Basic.Ack(delivery_tag=7, multiple=False)),
    (3, spec.Basic.Ack(delivery_tag=2**40, multiple=True)),
    (3, spec.Basic.Nack(delivery_tag=8, multiple=True, requeue=False)),
    (0, Heartbeat()),
    (4, spec.Channel.Close(406, "PRECONDITION_FAILED", class_id=50, method_id=10)),
]


def _wire(frames: list[tuple[int, Any]]) -> bytes:
    return b"".join(pamqp.frame.marshal(frame, channel) for channel, frame in frames)


async def _read(receiver_class: type[Any], data: bytes, count: int) -> list[Any]:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    receiver = receiver_class(reader)
    return [await receiver.get_frame() for _ in range(count)]


def _fields(frame: object) -> tuple[object, ...]:
    if isinstance(frame, ContentHeader):
        return (frame.class_id, frame.weight, frame.body_size, dict(frame.properties))
    if isinstance(frame, ContentBody):
        return (frame.value,)
    if isinstance(frame, Frame):
        return tuple(dict(frame).items())
    return ()


async def test_every_frame_reads_as_aiormq_reads_it() -> None:
    data = _wire(FRAMES)
    ours = await _read(LeanFrameReceiver, data, len(FRAMES))
    theirs = await _read(FrameReceiver, data, len(FRAMES))
    assert [(w, c, type(f), _fields(f)) for w, c, f in ours] == [
        (w, c, type(f), _fields(f)) for w, c, f in theirs
    ]
    deliver = ours[4][2]
    assert (deliver.delivery_tag, deliver.redelivered, deliver.routing_key) == (
        2**63 - 1,
        True,
        "édge.☃",
    )
    assert ours[2][2].properties.headers == {"command_id": "c-☃"}
    assert [f.multiple for _, _, f in ours[10:12]] == [False, True]


async def test_aiormq_connections_use_it() -> None:
    assert aiormq.connection.FrameReceiver is LeanFrameReceiver
    assert FrameReceiver.__module__ == "aiormq.connection"


async def test_a_cut_connection_fails_as_aiormq_fails() -> None:
    data = _wire(FRAMES[:2])
    for receiver_class in (LeanFrameReceiver, FrameReceiver):
        with pytest.raises(AMQPConnectionError, match="unexpectedly closed"):
            await _read(receiver_class, data[:-3], 2)


async def test_a_bad_frame_end_is_an_invalid_frame() -> None:
    data = bytearray(_wire(FRAMES[1:2]))
    data[-1] = 0
    for receiver_class in (LeanFrameReceiver, FrameReceiver):
        with pytest.raises(InvalidFrameError):
            await _read(receiver_class, bytes(data), 1)


async def test_a_deliver_with_a_field_past_its_frame_is_an_invalid_frame() -> None:
    data = bytearray(_wire(FRAMES[1:2]))
    data[11] = 200  # the consumer tag's length, far past the frame's end
    with pytest.raises(InvalidFrameError):
        await _read(LeanFrameReceiver, bytes(data), 1)


async def test_a_protocol_header_instead_of_a_frame_is_refused() -> None:
    for receiver_class in (LeanFrameReceiver, FrameReceiver):
        with pytest.raises(ProtocolSyntaxError):
            await _read(receiver_class, b"AMQP\x00\x00\x09\x01", 1)
