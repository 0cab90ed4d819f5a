"""The delivery ids of the inputs the game has handled, so none runs twice.

Every message an edge sends carries a ``delivery_id`` (docs/design/shards.md §6). The
broker delivers a message again when its ack was lost: the game's connection dropped
after the handler finished but before the ack reached the broker, or the edge retried
a publish whose confirm it never got. Such a redelivery comes seconds later, so ids are
remembered for a window (``window_seconds``, 120 s as the design's journal window W)
and at most ``kept`` of them (the oldest go first, a generation at a time), which
bounds the memory at any rate.

Only this process remembers them: a redelivery after a crash of the game itself reaches
a game that never saw the id (the shard journal of stage 2 carries them over).

Memory: the ids live in generations, one dict per slice of the window (a twelfth of it,
or a sixteenth of ``kept`` ids, whichever fills first), each dropped whole once its
newest id is out of the window. One dict that took ids at one end and dropped them at
the other, as this was, never reused a dropped id's slot: once its table filled with
them CPython sized it for three times the ids it held, a step of several MB about a
minute after the window first filled (+6.4 MB at 500 inputs a second, 40 s after the
window, where the game's RSS was measured from minute 2 on). A generation only ever
takes ids, then goes, so the memory is flat from the window's first turn.
"""

from __future__ import annotations

HANDLED_WINDOW_SECONDS = 120.0
HANDLED_IDS_KEPT = 200_000
"""About 16 MB at most; 1,000 inputs a second for the whole window would need 120,000."""

SLICES_PER_WINDOW = 12
"""A generation spans at most one this-th of the window (10 s of 120): ``seen`` reads at
most ``SLICES_PER_WINDOW + 1`` dicts (more only when ``kept`` closes them early, under a
flood), and ids up to one slice past the window wait for their generation to go."""
GENERATIONS_PER_BOUND = 16
"""A generation holds at most ``kept`` // this ids: past the bound the oldest generation
goes whole, so at most this share of the bound is forgotten early."""


class HandledInputs:
    """Generations of plain dicts of strings and numbers, which CPython never tracks: an
    ``OrderedDict`` of 120,000 ids (1,000 inputs a second) was one container whose every
    value each full collection read, several milliseconds of the game stopped."""

    def __init__(
        self, *, window_seconds: float = HANDLED_WINDOW_SECONDS, kept: int = HANDLED_IDS_KEPT
    ) -> None:
        self._window = window_seconds
        self._slice = window_seconds / SLICES_PER_WINDOW
        self._kept = kept
        self._per_generation = max(1, kept // GENERATIONS_PER_BOUND)
        self._generations: list[dict[str, float]] = []
        """delivery id -> when it was handled (monotonic seconds), oldest generation
        first; an id is in one generation only (the latest, when added again)."""
        self._newest: list[float] = []
        """Each generation's latest time."""
        self._opened_at = 0.0
        """When the newest generation took its first id."""
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def seen(self, delivery_id: str, now: float) -> bool:
        """True when ``delivery_id`` was handled within the window."""
        for generation in reversed(self._generations):
            if delivery_id in generation:
                return now - generation[delivery_id] <= self._window
        return False

    def add(self, delivery_id: str, now: float) -> None:
        generations = self._generations
        for generation in generations:
            if delivery_id in generation:
                del generation[delivery_id]  # added again: it moves to the newest one
                self._count -= 1
                break
        if (
            not generations
            or len(generations[-1]) >= self._per_generation
            or now - self._opened_at >= self._slice
        ):
            generations.append({})
            self._newest.append(now)
            self._opened_at = now
        generations[-1][delivery_id] = now
        self._newest[-1] = max(self._newest[-1], now)
        self._count += 1
        self._forget(now)

    def _forget(self, now: float) -> None:
        """Drop the oldest generation while it is wholly out of the window, or while the
        ids are past the bound (never the one just added to)."""
        generations, newest = self._generations, self._newest
        while len(generations) > 1 and (self._count > self._kept or now - newest[0] > self._window):
            self._count -= len(generations.pop(0))
            newest.pop(0)
