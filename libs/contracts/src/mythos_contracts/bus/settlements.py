"""Deliveries handled but not settled yet, acked in delivery order (both bus adapters).

A handler may return a settlement (the port's module doc): the consumer goes on with the
next delivery, and a delivery is passed to ``settled`` (acked) only once its settlement
and those of every delivery before it have completed. So an ack never covers work that
is not confirmed yet, and RabbitMQ's ``multiple`` acks stay correct.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

from mythos_contracts.bus.port import Settlement

Item = TypeVar("Item")


class InOrderSettlements(Generic[Item]):
    """``settled(item)`` for each delivery once it and all before it are settled;
    ``failed(item, error)`` once, for the first settlement that raised: from then on
    nothing more is settled (the consumer stops; the rest come back with its connection).
    """

    def __init__(
        self,
        settled: Callable[[Item], None],
        failed: Callable[[Item, BaseException], None],
    ) -> None:
        self._settled = settled
        self._failed = failed
        self._pending: deque[tuple[Item, asyncio.Future[object] | None]] = deque()
        self.has_failed = False

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, item: Item, settlement: Settlement | None) -> None:
        """A delivery whose handler returned (``settlement`` None: settled already)."""
        if settlement is None and not self._pending and not self.has_failed:
            self._settled(item)
            return
        future = None if settlement is None else asyncio.ensure_future(settlement)
        self._pending.append((item, future))
        if future is not None:
            future.add_done_callback(self._advance)

    def _advance(self, _: object = None) -> None:
        while self._pending and not self.has_failed:
            item, future = self._pending[0]
            if future is not None:
                if not future.done():
                    return
                error = asyncio.CancelledError() if future.cancelled() else future.exception()
                if error is not None:
                    self.has_failed = True
                    self._failed(item, error)
                    return
            self._pending.popleft()
            self._settled(item)

    async def drain(self) -> None:
        """Wait for every settlement in hand and settle what succeeded (a graceful stop)."""
        futures = [future for _, future in self._pending if future is not None]
        if futures:
            await asyncio.wait(futures)
        self._advance()

    def unsettled(self) -> list[Item]:
        """What was handled but not acked, in delivery order (to hand back)."""
        return [item for item, _ in self._pending]
