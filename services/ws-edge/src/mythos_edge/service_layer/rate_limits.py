"""One frame budget per connection: a token bucket that every frame draws from (commands,
``ping``, ``auth``, malformed and binary frames alike), and a count of refusals.

Within the budget a frame is handled. Over it, it is *refused*: not run, but answered
(the edge forwards the refusal to the game, which answers a command with a
``command_response`` ``success: false``, ``slow down: ...`` and ``retry_after``), so a
client that sends a burst learns what happened to every command and keeps its
connection. A client that goes on regardless, more than ``max_refused`` refusals within
``REFUSAL_WINDOW_SECONDS``, is closed with 1008: answering an endless flood would make
the game's one command queue carry it for everyone.

Per frame this is a few float operations; the refusal window is touched only by refused
frames and holds at most ``max_refused`` timestamps.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from enum import Enum

REFUSAL_WINDOW_SECONDS = 60.0


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

    def wait(self) -> float:
        """Seconds until a token is free, as of the last ``take``."""
        return max(0.0, (1.0 - self._tokens) / self._rate)


class Verdict(Enum):
    RUN = "run"
    REFUSE = "refuse"
    CLOSE = "close"
    """Refused, and one refusal too many within the window: close the connection (1008)."""


class FrameBudget:
    def __init__(
        self,
        rate: float,
        burst: int,
        max_refused: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.max_refused = max_refused
        self._clock = clock
        self._frames = TokenBucket(rate, burst, clock)
        self._refused: deque[float] | None = None  # made at the first refusal: most never do
        self.refused = 0
        """Frames refused on this connection so far."""

    def admit(self) -> Verdict:
        if self._frames.take():
            return Verdict.RUN
        self.refused += 1
        now = self._clock()
        window = self._refused
        if window is None:
            window = self._refused = deque(maxlen=self.max_refused)
        if len(window) == self.max_refused and now - window[0] < REFUSAL_WINDOW_SECONDS:
            return Verdict.CLOSE
        window.append(now)  # the oldest falls out: only the last max_refused matter
        return Verdict.REFUSE

    def retry_after(self) -> float:
        """Seconds until the next frame will be accepted (rounded up to milliseconds)."""
        return math.ceil(self._frames.wait() * 1000) / 1000

    def refusal_reason(self) -> str:
        return (
            f"slow down: at most {self.rate:g} commands per second "
            f"(bursts of {self.burst}); this one was not run"
        )

    def close_reason(self) -> str:
        return (
            f"too many commands: more than {self.max_refused} refused within "
            f"{REFUSAL_WINDOW_SECONDS:g} s; reconnect later and slow down"
        )
