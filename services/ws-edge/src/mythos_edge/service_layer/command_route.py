"""Which shard gets a connection's inputs (docs/design/shards.md §4, "Routing at the edge").

Pure state, no I/O: the connection's fan-out tells it what it accepted, the session asks
it where to send. ``route`` starts at the lobby, which places a player it does not know.
The target is the shard that stamped the highest-numbered envelope accepted for the
player (a heartbeat counts with the number it carries; on a tie the later one wins).
While the target differs from the route, the route is *switching*: inputs still go to
the old shard, which forwards what is no longer its own in order, until every input sent
to it that gets an answer is answered (``answers`` on the answering envelope). An input
forwarded by S is answered by T, so its answer proves it sits in T's inbox already, and
nothing sent to T directly can overtake it. Then the route becomes the target.

An input whose answer never comes (a stale connection's, one dead-lettered) holds the
switch back for ``stale_after`` seconds at most (``STALE_AFTER_SECONDS``): the old shard
still forwards anything late, so the cost is one hop, never an overtaking. Inputs that
get no answer at all (``room_bound``, replay requests, session open and close) follow
the current route and are not waited for.
"""

from __future__ import annotations

from mythos_contracts.routing import LOBBY_SHARD

STALE_AFTER_SECONDS = 30.0
"""How long an unanswered input holds a switch of route back."""


class CommandRoute:
    """One connection's route; ``now`` is a monotonic clock's reading, in seconds."""

    __slots__ = ("_in_flight", "_newest", "_stale_after", "route", "target")

    def __init__(self, *, stale_after: float = STALE_AFTER_SECONDS) -> None:
        self._stale_after = stale_after
        self.route = LOBBY_SHARD
        """Where inputs go now."""
        self.target = LOBBY_SHARD
        """Where they will go once everything sent to ``route`` is answered."""
        self._newest = -1
        self._in_flight: dict[str, float] = {}
        """delivery_id -> when it was sent, until answered or stale. Every entry was sent
        to ``route``: the route moves on only when this is empty."""

    @property
    def switching(self) -> bool:
        return self.target != self.route

    def accepted(self, shard: str | None, seq: int, now: float) -> None:
        """An envelope that ``shard`` stamped ``seq`` for this player was accepted (an
        envelope without a shard, from a game older than shards, says nothing)."""
        if shard is None or seq < self._newest:
            return
        self._newest = seq
        self.target = shard
        self._settle(now)

    def new_stream(self) -> None:
        """The player's stream started over (a new epoch numbers from 1 again): the next
        accepted envelope names the target, whatever its number."""
        self._newest = -1

    def send(self, delivery_id: str | None, now: float) -> str:
        """The shard to send an input to. ``delivery_id``: given for an input that will be
        answered (a command, a rate refusal, invalid input), which the switch waits for."""
        self._settle(now)
        if delivery_id is not None:
            self._in_flight[delivery_id] = now
        return self.route

    def answered(self, delivery_id: str, now: float) -> None:
        """An envelope answering ``delivery_id`` arrived (duplicates and unknown ids are no-ops)."""
        if self._in_flight.pop(delivery_id, None) is not None:
            self._settle(now)

    def waiting(self, now: float) -> int:
        """Inputs sent to the route, unanswered, that still hold a switch back."""
        self._settle(now)
        return len(self._in_flight)

    def _settle(self, now: float) -> None:
        in_flight = self._in_flight
        # Sent in time order, so the oldest come first: drop what is too old to hold the
        # switch back (amortised O(1) per input).
        while in_flight:
            oldest = next(iter(in_flight))
            if now - in_flight[oldest] < self._stale_after:
                break
            del in_flight[oldest]
        if not in_flight:
            self.route = self.target
