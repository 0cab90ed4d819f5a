"""What waits in a connection's write queue leaves as one write, in queue order; a frame
that closes or waits for a drain ends the write and keeps its close or drain."""

from __future__ import annotations

import asyncio

import aiormq.connection
from aiormq.abc import ChannelFrame
from mythos_contracts.bus import amqp  # noqa: F401  # installs the writer, as services do
from mythos_contracts.bus.amqp_writer import CoalescingFrameGenerator


def _frame(
    payload: bytes, *, close: bool = False, drain: asyncio.Future[None] | None = None
) -> ChannelFrame:
    return ChannelFrame(payload=payload, should_close=close, drain_future=drain)


async def _written(*queued: ChannelFrame) -> tuple[list[ChannelFrame], asyncio.Queue[ChannelFrame]]:
    """What the writer is handed, one item per socket write, until the queue is empty."""
    queue: asyncio.Queue[ChannelFrame] = asyncio.Queue(maxsize=10)
    for frame in queued:
        queue.put_nowait(frame)
    frames = aiormq.connection.FrameGenerator(queue)  # what a connection's writer makes
    writes: list[ChannelFrame] = []
    while not queue.empty():
        writes.append(await frames.__anext__())
    return writes, queue


async def test_the_bus_adapter_installs_the_coalescing_writer() -> None:
    assert aiormq.connection.FrameGenerator is CoalescingFrameGenerator


async def test_frames_queued_together_leave_in_one_write_in_order() -> None:
    writes, queue = await _written(_frame(b"publish-1"), _frame(b"ack"), _frame(b"publish-2"))
    assert [w.payload for w in writes] == [b"publish-1ackpublish-2"]
    assert not writes[0].should_close and not writes[0].should_drain
    await asyncio.wait_for(queue.join(), 1)  # every frame taken is marked done


async def test_a_frame_waiting_for_its_drain_ends_the_write_and_keeps_its_drain() -> None:
    drained = asyncio.get_running_loop().create_future()
    writes, _ = await _written(
        _frame(b"a"), _frame(b"b", drain=drained), _frame(b"c"), _frame(b"d")
    )
    assert [w.payload for w in writes] == [b"ab", b"cd"]
    assert writes[0].should_drain and not writes[1].should_drain
    writes[0].drain()  # what the writer does once the socket drained
    assert drained.done()


async def test_a_closing_frame_ends_the_write_and_nothing_behind_it_is_taken() -> None:
    queue: asyncio.Queue[ChannelFrame] = asyncio.Queue()
    for frame in (_frame(b"a"), _frame(b"close", close=True), _frame(b"late")):
        queue.put_nowait(frame)
    write = await CoalescingFrameGenerator(queue).__anext__()
    assert write.payload == b"aclose" and write.should_close
    assert queue.qsize() == 1


async def test_a_lone_closing_or_draining_frame_is_handed_on_as_it_is() -> None:
    drained = asyncio.get_running_loop().create_future()
    closing = _frame(b"close", close=True)
    draining = _frame(b"drain", drain=drained)
    writes, _ = await _written(closing)
    assert writes == [closing]
    writes, _ = await _written(draining, _frame(b"next"))
    assert writes[0] is draining and [w.payload for w in writes] == [b"drain", b"next"]
