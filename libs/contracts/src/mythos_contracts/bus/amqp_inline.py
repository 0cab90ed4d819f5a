"""Publisher confirms and deliveries settled in the connection's reader itself.

aiormq 7.2.4's connection reader puts every frame of a channel in that channel's frame
queue (ten frames at most: a full queue suspends the reader) and the channel's own task
takes them from there: a confirm or a delivery costs a hand-over between two tasks, and
a burst of deliveries a suspension of the reader every ten frames. The lean frame reader
(``amqp_reader``) hands each frame it decodes to ``InlineFrames.take`` first; what it
takes never reaches aiormq:

* ``basic.ack`` / ``basic.nack`` on a channel whose publishes the bus's pipeline owns
  (``CONFIRMS_INLINE`` set on it): each confirm's future settled, ``multiple`` in tag
  order, as aiormq's channel would (its ``call_soon`` per tag of a ``multiple`` aside).
  All of that channel's confirms come here, so a ``multiple`` never overtakes an earlier
  confirm left to the channel's task. Those channels publish without ``mandatory``: no
  ``basic.return`` is ever ordered before a confirm.
* ``basic.deliver`` on a channel with a route (``DELIVERIES_INLINE``) that accepts it,
  then its content header and body frames, assembled into aiormq's ``DeliveredMessage``
  and handed to the route's callable. The route accepts a delivery only when every
  earlier one of the channel has been handed over already (consumer side, see
  ``amqp_consumer``); otherwise it, its header and its body go to aiormq as before.

Anything else, or a frame of a closed channel, goes to aiormq unchanged. Each frame
taken counts as received for aiormq's heartbeat watch, as its own reader would count it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from aiormq.abc import DeliveredMessage
from aiormq.exceptions import DeliveryError
from pamqp import commands as spec
from pamqp.body import ContentBody
from pamqp.header import ContentHeader

log = logging.getLogger(__name__)

CONFIRMS_INLINE = "_mythos_confirms_inline"
"""Set (True) on an aiormq channel whose publishes and confirms the pipeline owns."""
DELIVERIES_INLINE = "_mythos_deliveries_inline"
"""Set on an aiormq channel to a ``DeliveryRoute``."""
# aiormq 7.2.4's connection: when it last received a frame (its heartbeat watch).
_LAST_FRAME_TIME = "_Connection__last_frame_time"

Deliver = Callable[[DeliveredMessage], None]


class DeliveryRoute(Protocol):
    def accepts(self, frame: spec.Basic.Deliver) -> Deliver | None:
        """Where this delivery goes, if it may be handed over now; None: aiormq reads it."""


class _Content:
    """A delivery taken here whose header or body frames are still to come."""

    __slots__ = ("channel", "deliver", "frame", "header", "parts", "received")

    def __init__(self, channel: Any, frame: spec.Basic.Deliver, deliver: Deliver) -> None:
        self.channel = channel
        self.frame = frame
        self.deliver = deliver
        self.header: ContentHeader | None = None
        self.parts: list[bytes] = []
        self.received = 0


class InlineFrames:
    """The frames one connection's reader settles itself (see the module doc)."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._channels: dict[int, Any] = connection.channels
        self._loop = connection.loop
        self._content: dict[int, _Content] = {}
        """Per channel number: the delivery whose content frames come next."""

    def take(self, number: int, frame: object) -> bool:
        """True if ``frame`` (of channel ``number``, not 0) was handled here."""
        content = self._content.get(number)
        if content is not None:
            taken = self._add_content(number, content, frame)
        else:
            kind = type(frame)
            if kind is spec.Basic.Ack or kind is spec.Basic.Nack:
                taken = self._confirm(number, frame)  # type: ignore[arg-type]
            elif kind is spec.Basic.Deliver:
                taken = self._start_delivery(number, frame)  # type: ignore[arg-type]
            else:
                return False
        if taken:
            setattr(self._connection, _LAST_FRAME_TIME, self._loop.time())
        return taken

    def _confirm(self, number: int, frame: spec.Basic.Ack | spec.Basic.Nack) -> bool:
        channel = self._channels.get(number)
        if channel is None or not getattr(channel, CONFIRMS_INLINE, False):
            return False
        confirmations: dict[int, Any] = channel.confirmations
        tag = frame.delivery_tag
        if not frame.multiple:
            waiter = confirmations.pop(tag, None)
            if waiter is None:
                log.error("Unexpected confirmation frame %r from broker", frame)
            else:
                _settle(waiter, frame)
            return True
        # Tags were registered in increasing order: the oldest come first.
        while confirmations:
            oldest = next(iter(confirmations))
            if oldest > tag:
                break
            _settle(confirmations.pop(oldest), frame)
        return True

    def _start_delivery(self, number: int, frame: spec.Basic.Deliver) -> bool:
        channel = self._channels.get(number)
        route: DeliveryRoute | None = getattr(channel, DELIVERIES_INLINE, None)
        if route is None:
            return False
        deliver = route.accepts(frame)
        if deliver is None:
            return False
        self._content[number] = _Content(channel, frame, deliver)
        return True

    def _add_content(self, number: int, content: _Content, frame: object) -> bool:
        if content.header is None:
            if type(frame) is not ContentHeader:
                return self._broken(number, frame)
            content.header = frame
        elif type(frame) is ContentBody:
            content.parts.append(frame.value)
            content.received += len(frame.value)
        else:
            return self._broken(number, frame)
        header = content.header
        if content.received < header.body_size:
            return True
        del self._content[number]
        parts = content.parts
        body = parts[0] if len(parts) == 1 else b"".join(parts)
        content.deliver(DeliveredMessage(content.frame, header, body, content.channel))
        return True

    def _broken(self, number: int, frame: object) -> bool:
        """A frame where the delivery's content was due: aiormq's channel fails on it."""
        del self._content[number]
        log.error("Unexpected frame %r where a delivery's content was due", frame)
        return False


def _settle(waiter: Any, frame: spec.Basic.Ack | spec.Basic.Nack) -> None:
    if not isinstance(waiter, asyncio.Future) or waiter.done():
        return  # its publisher was cancelled before the broker answered
    if type(frame) is spec.Basic.Ack:
        waiter.set_result(frame)
    else:
        waiter.set_exception(DeliveryError(None, frame))
