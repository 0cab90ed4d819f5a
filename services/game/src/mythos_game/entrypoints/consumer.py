"""Feeds the game's command queue into the dispatcher, and stops it without losing one.

The bus acks a delivery when its handler returns and dead-letters it when the handler
raises; ``Bus.close`` cancels the consumer, which would interrupt a command half-way
(some of its events out, its delivery never acked: run twice after a restart). So on
shutdown the intake closes a gate first: the command in hand finishes and is acked, and
every delivery that reaches the handler afterwards is held, unacked, until ``close``
cancels it, when the broker takes it back (the in-memory bus puts it back the same way).
Raising instead would dead-letter, and lose, a command the next game should run.
"""

from __future__ import annotations

import asyncio
import logging

from mythos_contracts.bus import Delivery
from mythos_contracts.envelope import EDGE_MESSAGE
from mythos_contracts.routing import GAME_COMMANDS_QUEUE
from prometheus_client import REGISTRY

from mythos_game.service_layer.dispatcher import Dispatcher

log = logging.getLogger(__name__)

SETTLE_POLL_SECONDS = 0.005


class CommandIntake:
    """The handler of ``queue``; ``stop`` is the graceful half of a shutdown."""

    def __init__(self, dispatcher: Dispatcher, queue: str = GAME_COMMANDS_QUEUE) -> None:
        self._dispatcher = dispatcher
        self._queue = queue
        self._stopping = False
        self._in_hand = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._finished = 0
        self._settled_before = _settled(queue)
        # Never set: deliveries after the stop wait on it until the bus cancels them.
        self._held = asyncio.Event()

    async def __call__(self, delivery: Delivery) -> None:
        if self._stopping:
            log.debug("holding a delivery that arrived after the stop; it stays unacked")
            await self._held.wait()
        self._in_hand += 1
        self._idle.clear()
        try:
            # A body that is not a valid edge message is an edge bug: raising dead-letters it.
            await self._dispatcher.handle(EDGE_MESSAGE.validate_json(delivery.body))
        finally:
            self._in_hand -= 1
            self._finished += 1
            if self._in_hand == 0:
                self._idle.set()

    async def stop(self, timeout: float) -> bool:
        """Take no new deliveries; wait (at most ``timeout`` seconds) for the one in hand to
        finish and be settled by the bus. False when it did not: closing the bus then
        cancels it unacked and the broker delivers it again."""
        self._stopping = True
        try:
            async with asyncio.timeout(timeout):
                await self._idle.wait()
                await self._settled_by_bus()
        except TimeoutError:
            log.warning(
                "a command was still in hand after %.1fs; stopping anyway, "
                "the broker will deliver it again",
                timeout,
            )
            return False
        return True

    async def _settled_by_bus(self) -> None:
        """Wait until the bus has acked (or dead-lettered) every delivery this handler
        finished. The handler returns *before* the bus sends the ack, so a bus closed the
        moment the handler returned could drop the ack and the command would run twice.
        The port has no "settled" signal; the bus's own delivery counter (incremented
        once the broker has the ack) is the one observable trace, so it is watched here."""
        # Polled: a counter has nothing to await. Only during a shutdown, for a few ms.
        while _settled(self._queue) - self._settled_before < self._finished:  # noqa: ASYNC110
            await asyncio.sleep(SETTLE_POLL_SECONDS)


def _settled(queue: str) -> float:
    """``mythos_bus_delivered_total`` of ``queue``, acked and dead-lettered."""
    return sum(
        REGISTRY.get_sample_value(
            "mythos_bus_delivered_total", {"queue": queue, "outcome": outcome}
        )
        or 0.0
        for outcome in ("ack", "dead_letter")
    )
