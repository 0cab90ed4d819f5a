"""Confirms and deliveries settled in the connection's reader (``amqp_inline``), on the
real broker.

The frame-level tests hand frames to a live connection's ``InlineFrames`` on a channel
the broker sends nothing on; the end-to-end ones publish through the broker and watch
what aiormq's own channel task still receives (its handlers replaced on the instance,
as the consumer itself replaces one)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiormq
import pytest
from aiormq.abc import DeliveredMessage
from aiormq.exceptions import DeliveryError
from mythos_contracts.bus import (
    amqp,  # noqa: F401  # installs the reader and writer, as services do
    amqp_frames,
    amqp_inline,
)
from mythos_contracts.bus.amqp_inline import InlineFrames
from mythos_contracts.bus.amqp_publisher import ConfirmingPipeline, Outgoing
from pamqp import commands as spec
from pamqp.body import ContentBody
from pamqp.header import ContentHeader

pytestmark = pytest.mark.services

LAST_FRAME_TIME = "_Connection__last_frame_time"
PROPS = amqp_frames.properties(content_type="application/json", persistent=False, user_id="guest")


@pytest.fixture
async def connection(amqp_url: str) -> AsyncIterator[aiormq.Connection]:
    connection = await aiormq.connect(amqp_url)
    yield connection
    await connection.close()


class Route:
    """A delivery route that accepts the tags it is told to, and keeps what it is given."""

    def __init__(self, accepted: set[int]) -> None:
        self.accepted = accepted
        self.given: list[DeliveredMessage] = []

    def accepts(self, frame: spec.Basic.Deliver) -> amqp_inline.Deliver | None:
        return self.given.append if frame.delivery_tag in self.accepted else None


def _deliver(tag: int) -> spec.Basic.Deliver:
    return spec.Basic.Deliver("ctag", tag, False, "mythos.events", f"player.p1.{tag}")


async def test_a_connection_reads_with_inline_frames(connection: aiormq.Connection) -> None:
    # aiormq's reader task holds the receiver its connect made (no other way to reach it).
    receiver = connection._reader_task.get_coro().cr_frame.f_locals["frame_receiver"]  # type: ignore[union-attr]
    assert isinstance(receiver.inline, InlineFrames)


async def test_confirms_settle_in_tag_order_multiple_included(
    connection: aiormq.Connection,
) -> None:
    channel = await connection.channel(publisher_confirms=True)
    setattr(channel, amqp_inline.CONFIRMS_INLINE, True)
    loop = asyncio.get_running_loop()
    # Tags the broker never issued on this channel (nothing is published on it).
    futures = {tag: loop.create_future() for tag in range(101, 107)}
    channel.confirmations.update(futures)
    inline = InlineFrames(connection)
    setattr(connection, LAST_FRAME_TIME, 0.0)
    assert inline.take(channel.number, spec.Basic.Ack(delivery_tag=102))
    assert inline.take(channel.number, spec.Basic.Ack(delivery_tag=103, multiple=True))
    assert inline.take(channel.number, spec.Basic.Nack(delivery_tag=105, multiple=True))
    assert [f.done() for f in futures.values()] == [True] * 5 + [False]
    assert isinstance(futures[101].result(), spec.Basic.Ack)  # settled now, not a turn later
    assert futures[102].result().delivery_tag == 102
    for tag in (104, 105):
        with pytest.raises(DeliveryError):
            futures[tag].result()
    assert list(channel.confirmations) == [106]
    assert getattr(connection, LAST_FRAME_TIME) > 0.0  # the heartbeat watch saw frames
    futures[106].cancel()  # a cancelled publisher: its confirm is taken, nothing settled
    assert inline.take(channel.number, spec.Basic.Ack(delivery_tag=106))
    assert channel.confirmations == {}


async def test_confirms_of_a_channel_not_marked_and_other_frames_go_to_aiormq(
    connection: aiormq.Connection,
) -> None:
    channel = await connection.channel(publisher_confirms=True)
    inline = InlineFrames(connection)
    assert not inline.take(channel.number, spec.Basic.Ack(delivery_tag=1))
    setattr(channel, amqp_inline.CONFIRMS_INLINE, True)
    assert not inline.take(channel.number, spec.Basic.CancelOk("ctag"))
    assert not inline.take(channel.number + 50, spec.Basic.Ack(delivery_tag=1))  # no channel


async def test_a_delivery_is_assembled_across_channels_and_body_frames(
    connection: aiormq.Connection,
) -> None:
    first = await connection.channel()
    second = await connection.channel()
    routes = {first.number: Route({1, 2}), second.number: Route({1})}
    for channel in (first, second):
        setattr(channel, amqp_inline.DELIVERIES_INLINE, routes[channel.number])
    inline = InlineFrames(connection)
    body = b"x" * 10
    frames: list[tuple[int, object]] = [
        (first.number, _deliver(1)),
        (second.number, _deliver(1)),
        (first.number, ContentHeader(body_size=len(body))),
        (second.number, ContentHeader(body_size=0)),  # no body frame follows
        (first.number, ContentBody(body[:4])),
        (first.number, ContentBody(body[4:])),
        (first.number, _deliver(2)),
        (first.number, ContentHeader(body_size=1)),
        (first.number, ContentBody(b"y")),
    ]
    assert all(inline.take(number, frame) for number, frame in frames)
    given = routes[first.number].given
    assert [(m.delivery.delivery_tag, m.body, m.channel) for m in given] == [
        (1, body, first),
        (2, b"y", first),
    ]
    assert [(m.body, m.header.body_size) for m in routes[second.number].given] == [(b"", 0)]


async def test_a_delivery_the_route_declines_goes_to_aiormq_with_its_content(
    connection: aiormq.Connection,
) -> None:
    channel = await connection.channel()
    route = Route({2})
    setattr(channel, amqp_inline.DELIVERIES_INLINE, route)
    inline = InlineFrames(connection)
    declined = [_deliver(1), ContentHeader(body_size=1), ContentBody(b"a")]
    assert [inline.take(channel.number, frame) for frame in declined] == [False] * 3
    assert inline.take(channel.number, _deliver(2))
    assert route.given == []  # its content is still to come


async def test_a_frame_where_content_was_due_goes_to_aiormq_and_is_logged(
    connection: aiormq.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    channel = await connection.channel()
    route = Route({1, 2})
    setattr(channel, amqp_inline.DELIVERIES_INLINE, route)
    inline = InlineFrames(connection)
    assert inline.take(channel.number, _deliver(1))
    with caplog.at_level(logging.ERROR, logger=amqp_inline.__name__):
        assert not inline.take(channel.number, spec.Channel.Close(406, "PRECONDITION_FAILED"))
    assert "content was due" in caplog.text
    assert inline.take(channel.number, _deliver(2))  # the channel starts afresh
    assert route.given == []


async def test_the_pipelines_confirms_never_reach_aiormqs_channel_task(
    connection: aiormq.Connection,
) -> None:
    watched = await connection.channel(publisher_confirms=True)
    control = await connection.channel(publisher_confirms=True)
    seen: dict[int, list[object]] = {watched.number: [], control.number: []}
    for channel in (watched, control):

        async def on_confirm(frame: Any, channel: aiormq.Channel = channel) -> None:
            seen[channel.number].append(frame)
            await type(channel)._on_confirm_frame(channel, frame)  # aiormq's own

        channel._on_confirm_frame = on_confirm  # type: ignore[method-assign]
    pipeline = ConfirmingPipeline(lambda: watched)
    # To the default exchange, no such queue: unroutable, and confirmed all the same.
    messages = [Outgoing("", "mythos.test.nowhere", b"%d" % n, PROPS) for n in range(50)]
    confirms = await asyncio.wait_for(asyncio.gather(*pipeline.submit(messages)), 10)
    assert len(confirms) == 50 and seen[watched.number] == []
    # The test can fail: aiormq's own publish is confirmed through the channel task.
    await control.basic_publish(b"x", routing_key="mythos.test.nowhere")
    assert len(seen[control.number]) == 1


async def test_deliveries_reach_the_route_without_aiormqs_channel_task(
    connection: aiormq.Connection,
) -> None:
    channel = await connection.channel()
    queue = (await channel.queue_declare(exclusive=True)).queue
    through_task: list[object] = []

    async def on_deliver(frame: Any) -> None:
        through_task.append(frame)
        await type(channel)._on_deliver_frame(channel, frame)  # aiormq's own

    channel._on_deliver_frame = on_deliver  # type: ignore[method-assign]
    route = Route(set(range(1, 21)))  # the first 20; the rest go by aiormq
    setattr(channel, amqp_inline.DELIVERIES_INLINE, route)
    await channel.basic_consume(queue, lambda _: asyncio.sleep(0), no_ack=True)
    for n in range(25):
        await channel.basic_publish(b"%d" % n, routing_key=queue)

    async with asyncio.timeout(10):
        while len(route.given) + len(through_task) < 25:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    assert [m.body for m in route.given] == [b"%d" % n for n in range(20)]
    assert len(through_task) == 5
