"""Commands per second per connection: a token bucket, and a second one for refusals.

Within the limit a command runs. Over it, it is *refused*: the edge forwards it to the
game as invalid input ("slow down: ..."), so the client gets an in-stream ``error`` for
that ``command_id`` and the connection stays. Refusals are themselves limited (same rate
and burst): a client that keeps sending while refused, faster than the limit again, has
the excess *dropped* unanswered. The game reads one queue for every player, so one
client's flood must not become a flood of answers queued ahead of everyone else.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum


class TokenBucket:
    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._at = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class Verdict(Enum):
    RUN = "run"
    REFUSE = "refuse"
    DROP = "drop"


class CommandThrottle:
    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._commands = TokenBucket(rate, burst, clock)
        self._refusals = TokenBucket(rate, burst, clock)
        self.dropped = 0

    def admit(self) -> Verdict:
        if self._commands.take():
            return Verdict.RUN
        if self._refusals.take():
            return Verdict.REFUSE
        self.dropped += 1
        return Verdict.DROP

    def refusal_reason(self) -> str:
        return (
            f"slow down: at most {self.rate:g} commands per second "
            f"(bursts of {self.burst}); this one was not run"
        )
