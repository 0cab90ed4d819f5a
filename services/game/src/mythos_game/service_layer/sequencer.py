"""One gapless, replayable stream per player: an epoch, a counter, and a history.

The game is the only writer of every stream, so numbering here (and publishing
in the same order on one channel) is what makes each client's stream gapless.
The history lets any edge ask again for what it missed: a resume after a
reconnect, or a gap the edge noticed itself (e.g. after a broker reconnect).

History entries are ``(seq, time, event type, envelope JSON)``, held in a ``History``
(``stream_history``) the garbage collector does not walk: a full collection costs the
same whatever the history holds (thousands of messages per player at high rates). A room
event's bytes are one object shared by every recipient's history.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from mythos_game.service_layer.stream_history import History

Retained = tuple[int, str, bytes]
"""``(seq, event type, the envelope as published)``: what ``missed`` gives to replay."""
AgedEntry = tuple[int, float, str, bytes]
"""``(seq, age in seconds, event type, the envelope as published)``."""


@dataclass(frozen=True)
class HistoryLimits:
    """Keep an entry while it is among the last ``messages`` OR younger than ``seconds``;
    never more than ``hard_cap`` entries per player (bounds memory under a flood)."""

    messages: int = 100
    seconds: float = 120.0
    hard_cap: int = 5000


@dataclass
class Stream:
    session_id: str
    epoch: str
    opened_for: str
    """The connection this stream's game_state was sent to."""
    last: int = 0
    history: History = field(default_factory=History)

    def first_retained(self) -> int:
        """Lowest sequence number still replayable (``last + 1`` when nothing is kept)."""
        return self.history.first_seq() if self.history else self.last + 1


class StreamObserver(Protocol):
    """Told of every change to the streams (the journal records them)."""

    def opened(self, player_id: str) -> None: ...

    def restored(self, player_id: str) -> None: ...

    def stamped_all(self, numbers: dict[str, int], event_type: str, body: bytes) -> None:
        """One message (``body``) stamped for each player of ``numbers`` at their number."""

    def closed(self, player_id: str) -> None: ...


class Sequencer:
    def __init__(
        self, limits: HistoryLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limits = limits or HistoryLimits()
        self._clock = clock
        self._streams: dict[str, Stream] = {}
        self.observer: StreamObserver | None = None

    def open(self, player_id: str, connection_id: str) -> Stream:
        """Start a new stream for ``player_id`` (new epoch); its first message is number 1."""
        stream = Stream(
            session_id=uuid.uuid4().hex, epoch=uuid.uuid4().hex, opened_for=connection_id
        )
        self._streams[player_id] = stream
        if self.observer is not None:
            self.observer.opened(player_id)
        return stream

    def restore(
        self,
        player_id: str,
        stream: Stream,
        history: list[AgedEntry],
    ) -> None:
        """Continue a stream another game process numbered: ``history`` holds aged
        entries, oldest first."""
        now = self._clock()
        stream.history = History((seq, now - age, kind, body) for seq, age, kind, body in history)
        self._streams[player_id] = stream
        if self.observer is not None:
            self.observer.restored(player_id)

    def aged_history(self, player_id: str) -> list[AgedEntry]:
        """The stream's history with each entry's age in seconds, oldest first."""
        stream = self._streams.get(player_id)
        if stream is None:
            return []
        now = self._clock()
        return [(seq, max(0.0, now - at), kind, body) for seq, at, kind, body in stream.history]

    def close(self, player_id: str) -> None:
        if self._streams.pop(player_id, None) is not None and self.observer is not None:
            self.observer.closed(player_id)

    def get(self, player_id: str) -> Stream | None:
        return self._streams.get(player_id)

    def has_stream(self, player_id: str) -> bool:
        return player_id in self._streams

    def last(self, player_id: str) -> int:
        stream = self._streams.get(player_id)
        return 0 if stream is None else stream.last

    def next(self, player_id: str) -> int:
        stream = self._streams[player_id]
        stream.last += 1
        return stream.last

    def next_all(self, player_ids: list[str]) -> dict[str, int]:
        """``next`` for each of ``player_ids``, in order: their numbers by player."""
        numbers: dict[str, int] = {}
        streams = self._streams
        for player_id in player_ids:
            stream = streams[player_id]
            stream.last = numbers[player_id] = stream.last + 1
        return numbers

    def record(self, player_id: str, seq: int, event_type: str, body: bytes) -> None:
        """Keep ``body`` (an envelope's JSON) as message ``seq`` of the player's stream
        (shared, not copied)."""
        self.record_all({player_id: seq}, event_type, body)

    def record_all(self, numbers: dict[str, int], event_type: str, body: bytes) -> None:
        """``record`` of one message for each player of ``numbers``, at their number (a
        room event: one clock reading, one call, for all its recipients)."""
        now = self._clock()
        streams, limits = self._streams, self._limits
        messages, seconds, hard_cap = limits.messages, limits.seconds, limits.hard_cap
        kept = numbers
        for player_id, seq in numbers.items():
            stream = streams.get(player_id)
            if stream is None:
                if kept is numbers:  # rare: only those with a stream are told of
                    kept = {p: s for p, s in numbers.items() if p in streams}
                continue
            history = stream.history
            history.append(seq, now, event_type, body)
            history.trim(now, messages, seconds, hard_cap)
        if self.observer is not None and kept:
            self.observer.stamped_all(kept, event_type, body)

    def missed(self, player_id: str, epoch: str, after: int) -> list[Retained] | None:
        """Messages ``after + 1 .. last`` of the stream with ``epoch``, or None when they
        cannot all be given (another epoch, or some are no longer retained): never partial."""
        stream = self._streams.get(player_id)
        if stream is None or stream.epoch != epoch or not 0 <= after <= stream.last:
            return None
        if after + 1 < stream.first_retained():
            return None
        return stream.history.after(after)
