"""Reference-counted bindings of this edge's one queue.

A room is bound while at least one of this edge's players is in it, and each
player's own key while they are connected here; never one queue per player.
"""

from __future__ import annotations

import asyncio

from mythos_contracts.bus import Bus
from mythos_contracts.routing import EVENTS_EXCHANGE


class RoomBindings:
    def __init__(self, bus: Bus, queue: str) -> None:
        self._bus = bus
        self._queue = queue
        self._counts: dict[str, int] = {}
        # Bind/unbind of one pattern must not interleave (a release racing an acquire).
        self._lock = asyncio.Lock()

    async def acquire(self, pattern: str) -> None:
        async with self._lock:
            count = self._counts.get(pattern, 0)
            if count == 0:
                await self._bus.bind(self._queue, EVENTS_EXCHANGE, pattern)
            self._counts[pattern] = count + 1

    async def release(self, pattern: str) -> None:
        async with self._lock:
            count = self._counts.get(pattern, 0)
            if count <= 1:
                self._counts.pop(pattern, None)
                if count == 1:
                    await self._bus.unbind(self._queue, EVENTS_EXCHANGE, pattern)
            else:
                self._counts[pattern] = count - 1

    def bound(self) -> dict[str, int]:
        return dict(self._counts)
