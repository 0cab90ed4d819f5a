"""Reference-counted bindings of this edge's one queue.

A room is bound while at least one of this edge's players is in it, and each
player's own key while they are connected here; never one queue per player.

Changes of different patterns run side by side (10,000 sessions ending at once send
their unbinds together, not one round trip after another); changes of one pattern run
one at a time, each deciding from the count when it starts. So a player who connects
again while their old session's unbind is in flight waits for it, then binds again:
they stay bound. A release and an acquire that meet while a change is in flight cost no
further round trip. At most ``CHANGES_IN_FLIGHT`` changes are on their way at once:
each one in flight holds its client's request state, and 10,000 at once held 47 MB more
than the connections themselves (docs/benchmarks/README.md, "Memory after close").
"""

from __future__ import annotations

import asyncio

from mythos_contracts.bus import Bus
from mythos_contracts.routing import EVENTS_EXCHANGE

CHANGES_IN_FLIGHT = 64
"""Binds and unbinds on their way to the broker at once, over all patterns (8 per
binding channel of the AMQP bus, ``amqp_topology.BINDING_CHANNELS``)."""


class RoomBindings:
    def __init__(self, bus: Bus, queue: str, *, in_flight: int = CHANGES_IN_FLIGHT) -> None:
        self._bus = bus
        self._queue = queue
        self._slots = asyncio.Semaphore(in_flight)
        self._counts: dict[str, int] = {}
        self._bound: set[str] = set()
        """Patterns bound on the broker (as far as this edge knows: see ``_settle``)."""
        self._changing: dict[str, asyncio.Future[None]] = {}
        """Patterns with a bind or unbind in flight: done when it is over."""

    async def acquire(self, pattern: str) -> None:
        """Count one more holder; returns once the pattern is bound."""
        self._counts[pattern] = self._counts.get(pattern, 0) + 1
        try:
            await self._settle(pattern)
        except BaseException:
            self._drop(pattern)  # not held: the caller's release must not count it
            raise

    async def release(self, pattern: str) -> None:
        """Count one holder less; the last one's release unbinds."""
        self._drop(pattern)
        await self._settle(pattern)

    def bound(self) -> dict[str, int]:
        return dict(self._counts)

    def _drop(self, pattern: str) -> None:
        count = self._counts.get(pattern, 0)
        if count <= 1:
            self._counts.pop(pattern, None)
        else:
            self._counts[pattern] = count - 1

    async def _settle(self, pattern: str) -> None:
        """Bring the broker to the count: bound while anyone holds the pattern."""
        while (busy := self._changing.get(pattern)) is not None:
            await asyncio.shield(busy)  # its own failure is its caller's; decide again after
        wanted = pattern in self._counts
        if wanted == (pattern in self._bound):
            return
        done = asyncio.get_running_loop().create_future()
        self._changing[pattern] = done
        try:
            async with self._slots:
                if wanted:
                    await self._bus.bind(self._queue, EVENTS_EXCHANGE, pattern)
                    self._bound.add(pattern)
                else:
                    # Counted as unbound even if the unbind fails or is cancelled: a stray
                    # binding only brings events nobody here takes, while one wrongly
                    # counted as bound would leave the next holder without theirs.
                    self._bound.discard(pattern)
                    await self._bus.unbind(self._queue, EVENTS_EXCHANGE, pattern)
        finally:
            del self._changing[pattern]
            done.set_result(None)
