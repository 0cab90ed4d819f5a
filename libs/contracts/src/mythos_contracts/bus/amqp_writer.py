"""aiormq's connection writer with every frame waiting in its queue sent in one write.

aiormq 7.2.4's writer task takes one ``ChannelFrame`` at a time from the connection's
write queue and hands each to the socket on its own (``StreamWriter.write``, one
``send`` system call while the socket keeps up). A service writes several in one turn
of the event loop: a batch of publishes, a consumer's ``basic.ack``, another channel's
publishes, aiormq's own frames. ``CoalescingFrameGenerator`` hands the writer all that
is queued when it asks, joined into one frame, in queue order: the bytes on the wire
are the same, in the same order, for every channel; only the number of writes drops.

A frame that closes the connection, or whose sender waits for it to be drained, ends
the join and lends it its close or drain: the writer then does what it did for that
frame alone (drain, then settle its future, or stop after it), after the frames before
it, which it would have written first anyway. Nothing behind a closing frame is taken.

``install()`` makes aiormq's connections use it (aiormq looks ``FrameGenerator`` up in
its module each time a connection starts its writer); the bus adapter calls it on import.
"""

from __future__ import annotations

import aiormq.connection
from aiormq.abc import ChannelFrame
from aiormq.connection import FrameGenerator


class CoalescingFrameGenerator(FrameGenerator):
    """A drop-in ``FrameGenerator`` (see the module doc)."""

    async def __anext__(self) -> ChannelFrame:
        if self.close_event.is_set():
            raise StopAsyncIteration
        queue = self.queue
        frame: ChannelFrame = await queue.get()
        queue.task_done()
        if frame.should_close or frame.should_drain or queue.empty():
            return frame
        payloads = [frame.payload]
        while not queue.empty():
            frame = queue.get_nowait()
            queue.task_done()
            payloads.append(frame.payload)
            if frame.should_close or frame.should_drain:
                break
        return ChannelFrame(
            payload=b"".join(payloads),
            should_close=frame.should_close,
            drain_future=frame.drain_future,
        )


def install() -> None:
    """Every aiormq connection opened from now on writes with ``CoalescingFrameGenerator``."""
    aiormq.connection.FrameGenerator = CoalescingFrameGenerator  # type: ignore[misc]
