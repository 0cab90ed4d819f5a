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

HANDLED_WINDOW_SECONDS = 120.0
HANDLED_IDS_KEPT = 200_000
"""About 16 MB at most; 1,000 inputs a second for the whole window would need 120,000."""


class HandledInputs:
    """Three plain dicts of strings and numbers, which CPython never tracks: an
    ``OrderedDict`` of 120,000 ids (1,000 inputs a second) was one container whose every
    value each full collection read, several milliseconds of the game stopped."""

    def __init__(
        self, *, window_seconds: float = HANDLED_WINDOW_SECONDS, kept: int = HANDLED_IDS_KEPT
    ) -> None:
        self._window = window_seconds
        self._kept = kept
        self._handled_at: dict[str, float] = {}
        """delivery id -> when it was handled (monotonic seconds)."""
        self._position: dict[str, int] = {}
        """delivery id -> its place in ``_order`` (the latest, when added again)."""
        self._order: dict[int, str] = {}
        """place -> delivery id, oldest first: ``_first`` up to ``_next``."""
        self._first = 0
        self._next = 0

    def __len__(self) -> int:
        return len(self._handled_at)

    def seen(self, delivery_id: str, now: float) -> bool:
        """True when ``delivery_id`` was handled within the window."""
        handled_at = self._handled_at.get(delivery_id)
        return handled_at is not None and now - handled_at <= self._window

    def add(self, delivery_id: str, now: float) -> None:
        self._handled_at[delivery_id] = now
        self._position[delivery_id] = self._next
        self._order[self._next] = delivery_id
        self._next += 1
        self._forget(now)

    def _forget(self, now: float) -> None:
        handled_at, position, order = self._handled_at, self._position, self._order
        while self._first < self._next:
            place = self._first
            delivery_id = order[place]
            if position[delivery_id] == place:  # else: added again since, later in order
                if len(handled_at) <= self._kept and now - handled_at[delivery_id] <= self._window:
                    return
                del handled_at[delivery_id], position[delivery_id]
            del order[place]
            self._first += 1
