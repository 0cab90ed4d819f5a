"""The delivery ids of the inputs the game has handled, so none runs twice.

Every message an edge sends carries a ``delivery_id`` (docs/design/shards.md §6). The
broker delivers a message again when its ack was lost: the game's connection dropped
after the handler finished but before the ack reached the broker, or the edge retried
a publish whose confirm it never got. Such a redelivery comes seconds later, so ids are
remembered for a window (``window_seconds``, 120 s as the design's journal window W)
and at most ``kept`` of them (the oldest go first), which bounds the memory at any rate.

Only this process remembers them: a redelivery after a crash of the game itself reaches
a game that never saw the id (the shard journal of stage 2 carries them over).
"""

from __future__ import annotations

from collections import OrderedDict

HANDLED_WINDOW_SECONDS = 120.0
HANDLED_IDS_KEPT = 200_000
"""About 16 MB at most; 1,000 inputs a second for the whole window would need 120,000."""


class HandledInputs:
    def __init__(
        self, *, window_seconds: float = HANDLED_WINDOW_SECONDS, kept: int = HANDLED_IDS_KEPT
    ) -> None:
        self._window = window_seconds
        self._kept = kept
        self._handled: OrderedDict[str, float] = OrderedDict()
        """delivery id -> when it was handled (monotonic seconds), oldest first."""

    def __len__(self) -> int:
        return len(self._handled)

    def seen(self, delivery_id: str, now: float) -> bool:
        """True when ``delivery_id`` was handled within the window."""
        handled_at = self._handled.get(delivery_id)
        return handled_at is not None and now - handled_at <= self._window

    def add(self, delivery_id: str, now: float) -> None:
        self._handled[delivery_id] = now
        self._handled.move_to_end(delivery_id)
        self._forget(now)

    def _forget(self, now: float) -> None:
        handled = self._handled
        while len(handled) > self._kept:
            handled.popitem(last=False)
        while handled:
            oldest = next(iter(handled.values()))
            if now - oldest <= self._window:
                return
            handled.popitem(last=False)
