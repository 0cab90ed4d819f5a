"""One player's retained messages, kept where the garbage collector never looks.

A full collection walks every container the collector tracks, and every item each one
holds, untracked items included: a ``deque`` of ``(seq, time, type, bytes)`` tuples
costs the collector one read of each tuple (a cache miss apiece), however plain the
tuples are. At 1,000 say/s in rooms of 10 a player keeps about 1,200 messages (the last
120 s), 1.2 M for 1,000 players: that alone made a full collection of the game take
tens of milliseconds, during which nothing else ran.

So the numbers, times and event types live in three ``array``s (C integers and doubles,
nothing for the collector to walk; an event type as its code in a table of this
process) and the bodies in a dict keyed by the entry's position, whose keys and values
are only ints and bytes: CPython never tracks such a dict. The collector sees four
objects per player, whatever the history.

Memory: once a history drops entries as fast as it takes them, CPython sizes a dict for
about three times its entries (deleted ones leave room that only a resize gives back),
so each dict costs twice what it did while the history was filling: with 600 entries,
18.5 KB while filling and 37 KB from then on. One dict per player, not two (the types
were a second), halves both that cost and that step.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator

HistoryEntry = tuple[int, float, str, bytes]
"""``(seq, when recorded, event type, the envelope as published)``."""

_KIND_CODES: dict[str, int] = {}
_KINDS: list[str] = []
"""The event types seen by this process, by code (a few dozen: the protocol's types)."""


def _code(kind: str) -> int:
    code = _KIND_CODES.get(kind)
    if code is None:
        code = _KIND_CODES[kind] = len(_KINDS)
        _KINDS.append(kind)
    return code


_COMPACT_AT = 64
"""Dropped entries left at the front of the arrays before they are cut off (and at
least half the arrays): amortised, one copy per entry."""


class History:
    """Entries oldest first: ``append`` at the end, ``popleft`` at the front."""

    __slots__ = ("_base", "_bodies", "_head", "_kinds", "_seqs", "_times")

    def __init__(self, entries: Iterable[HistoryEntry] = ()) -> None:
        self._seqs = array("q")
        self._times = array("d")
        self._kinds = array("H")
        """Each entry's event type, as its code in ``_KINDS``."""
        self._head = 0
        """Index in the arrays of the oldest entry still kept."""
        self._base = 0
        """The position of the arrays' index 0: an entry's key in ``_bodies`` is its
        position, which no other entry of this history ever has."""
        self._bodies: dict[int, bytes] = {}
        for seq, at, kind, body in entries:
            self.append(seq, at, kind, body)

    def __len__(self) -> int:
        return len(self._seqs) - self._head

    def __bool__(self) -> bool:
        return len(self._seqs) > self._head

    def append(self, seq: int, at: float, kind: str, body: bytes) -> None:
        position = self._base + len(self._seqs)
        self._seqs.append(seq)
        self._times.append(at)
        self._kinds.append(_code(kind))
        self._bodies[position] = body

    def first_seq(self) -> int:
        """The oldest entry's number (raises IndexError when empty)."""
        self._check_not_empty()
        return self._seqs[self._head]

    def first_time(self) -> float:
        """When the oldest entry was recorded (raises IndexError when empty)."""
        self._check_not_empty()
        return self._times[self._head]

    def popleft(self) -> None:
        """Forget the oldest entry."""
        self._check_not_empty()
        position = self._base + self._head
        del self._bodies[position]
        self._head += 1
        head = self._head
        if head >= _COMPACT_AT and head * 2 >= len(self._seqs):
            del self._seqs[:head]
            del self._times[:head]
            del self._kinds[:head]
            self._base += head
            self._head = 0

    def trim(self, now: float, messages: int, seconds: float, hard_cap: int) -> None:
        """Forget the oldest entries while more than ``hard_cap`` are kept, or more than
        ``messages`` and the oldest is more than ``seconds`` older than ``now``
        (``HistoryLimits``): ``popleft`` in a loop, without a call per entry."""
        seqs, times, head = self._seqs, self._times, self._head
        kept = len(seqs) - head
        if kept <= messages and kept <= hard_cap:
            return  # the common case under the message limit: nothing to read
        bodies, position = self._bodies, self._base + head
        while kept > hard_cap or (kept > messages and now - times[head] > seconds):
            del bodies[position]
            position += 1
            head += 1
            kept -= 1
        if head == self._head:
            return
        self._head = head
        if head >= _COMPACT_AT and head * 2 >= len(seqs):
            del seqs[:head]
            del times[:head]
            del self._kinds[:head]
            self._base += head
            self._head = 0

    def __iter__(self) -> Iterator[HistoryEntry]:
        seqs, times, kinds, bodies, base = (
            self._seqs,
            self._times,
            self._kinds,
            self._bodies,
            self._base,
        )
        for index in range(self._head, len(seqs)):
            yield seqs[index], times[index], _KINDS[kinds[index]], bodies[base + index]

    def after(self, seq: int) -> list[tuple[int, str, bytes]]:
        """``(seq, event type, body)`` of every entry numbered above ``seq``, in order."""
        return [(s, kind, body) for s, _, kind, body in self if s > seq]

    def _check_not_empty(self) -> None:
        if len(self._seqs) <= self._head:
            raise IndexError("the history is empty")
