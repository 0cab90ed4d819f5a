"""One gapless stream per player: an epoch and a counter that grows by exactly 1.

The game is the only writer of every stream, so numbering here (and publishing
in the same order on one channel) is what makes each client's stream gapless.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass
class Stream:
    epoch: str
    last: int = 0


class Sequencer:
    def __init__(self) -> None:
        self._streams: dict[str, Stream] = {}

    def open(self, player_id: str) -> Stream:
        """Start a new stream for ``player_id``; its first message will be number 1."""
        stream = Stream(epoch=uuid.uuid4().hex)
        self._streams[player_id] = stream
        return stream

    def close(self, player_id: str) -> None:
        self._streams.pop(player_id, None)

    def has_stream(self, player_id: str) -> bool:
        return player_id in self._streams

    def next(self, player_id: str) -> int:
        stream = self._streams[player_id]
        stream.last += 1
        return stream.last
