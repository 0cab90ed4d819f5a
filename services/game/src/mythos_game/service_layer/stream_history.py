"""One player's retained messages, kept where the garbage collector hardly looks.

A full collection walks every container the collector tracks, and every item each one
holds, untracked items included: a ``deque`` of ``(seq, time, type, bytes)`` tuples
costs the collector one read of each tuple (a cache miss apiece), however plain the
tuples are. At 1,000 say/s in rooms of 10 a player keeps about 1,200 messages (the last
120 s), 1.2 M for 1,000 players: that alone made a full collection of the game take
tens of milliseconds, during which nothing else ran.

So the numbers, times and event types live in three ``array``s (C integers and doubles,
nothing for the collector to walk; an event type as its code in a table of this
process), and the bodies in tuples of ``_CHUNK``: a full chunk is sealed into a tuple,
which the collector stops tracking at its next pass (a tuple of bytes holds nothing it
could free), so it reads one pointer per chunk, not one per entry.

Memory: a body costs its tuple slot (8 bytes) besides the bytes themselves, which the
recipients of a room event share. Keyed by position in a dict, as they were, each cost
a dict slot and an int key (about 100 bytes), and once the history dropped entries as
fast as it took them CPython sized the dict for three times its entries: a step of
RSS minutes after the histories filled. Chunks are the same size (one pymalloc size
class) and are freed whole, so a churning history's memory stays flat. The price: a
dropped body lives on until the rest of its chunk is dropped (at most ``_CHUNK - 1``
per player).
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


_CHUNK = 32
"""Bodies per sealed tuple: 296 bytes each, within pymalloc's small objects."""

_COMPACT_AT = 64
"""Dropped entries left at the front of the arrays before they are cut off: each cut
moves the kept entries (18 bytes each), so a full 600-entry history moves about 170
bytes per entry taken. Waiting for half the arrays instead (one copy per entry) let
them grow to twice the kept entries, filling for a second window after the first."""


class History:
    """Entries oldest first: ``append`` at the end, ``popleft`` at the front.

    Positions count every entry this history ever took: the arrays' index 0 is
    position ``_base``, the first sealed chunk's first body position ``_chunk_base``."""

    __slots__ = ("_base", "_chunk_base", "_head", "_kinds", "_open", "_sealed", "_seqs", "_times")

    def __init__(self, entries: Iterable[HistoryEntry] = ()) -> None:
        self._seqs = array("q")
        self._times = array("d")
        self._kinds = array("H")
        """Each entry's event type, as its code in ``_KINDS``."""
        self._head = 0
        """Index in the arrays of the oldest entry still kept."""
        self._base = 0
        self._chunk_base = 0
        self._sealed: list[tuple[bytes, ...]] = []
        """Full chunks of bodies, oldest first; none wholly dropped."""
        self._open: dict[int, bytes] = {}
        """The bodies after the sealed chunks (fewer than ``_CHUNK``), by slot: a dict
        of small ints and bytes, which CPython never tracks (a list would be read
        through at every collection)."""
        for seq, at, kind, body in entries:
            self.append(seq, at, kind, body)

    def __len__(self) -> int:
        return len(self._seqs) - self._head

    def __bool__(self) -> bool:
        return len(self._seqs) > self._head

    def append(self, seq: int, at: float, kind: str, body: bytes) -> None:
        self._seqs.append(seq)
        self._times.append(at)
        self._kinds.append(_code(kind))
        filling = self._open
        slot = len(filling)
        filling[slot] = body
        if slot == _CHUNK - 1:
            self._sealed.append(tuple(filling.values()))
            filling.clear()

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
        self._drop_to(self._head + 1)

    def trim(self, now: float, messages: int, seconds: float, hard_cap: int) -> None:
        """Forget the oldest entries while more than ``hard_cap`` are kept, or more than
        ``messages`` and the oldest is more than ``seconds`` older than ``now``
        (``HistoryLimits``): ``popleft`` in a loop, without a call per entry."""
        seqs, times, head = self._seqs, self._times, self._head
        kept = len(seqs) - head
        if kept <= messages and kept <= hard_cap:
            return  # the common case under the message limit: nothing to read
        while kept > hard_cap or (kept > messages and now - times[head] > seconds):
            head += 1
            kept -= 1
        if head != self._head:
            self._drop_to(head)

    def _drop_to(self, head: int) -> None:
        """Entries before arrays index ``head`` are dropped: free the chunks they fill
        and cut the arrays once enough of them is dropped."""
        self._head = head
        chunks = (self._base + head - self._chunk_base) // _CHUNK
        if chunks:
            del self._sealed[:chunks]
            self._chunk_base += chunks * _CHUNK
        seqs = self._seqs
        if head >= _COMPACT_AT:
            del seqs[:head]
            del self._times[:head]
            del self._kinds[:head]
            self._base += head
            self._head = 0

    def __iter__(self) -> Iterator[HistoryEntry]:
        seqs, times, kinds = self._seqs, self._times, self._kinds
        sealed, filling = self._sealed, self._open
        offset = self._base - self._chunk_base
        for index in range(self._head, len(seqs)):
            chunk, slot = divmod(offset + index, _CHUNK)
            body = sealed[chunk][slot] if chunk < len(sealed) else filling[slot]
            yield seqs[index], times[index], _KINDS[kinds[index]], body

    def after(self, seq: int) -> list[tuple[int, str, bytes]]:
        """``(seq, event type, body)`` of every entry numbered above ``seq``, in order."""
        return [(s, kind, body) for s, _, kind, body in self if s > seq]

    def _check_not_empty(self) -> None:
        if len(self._seqs) <= self._head:
            raise IndexError("the history is empty")
