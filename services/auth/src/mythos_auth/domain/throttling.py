"""Request throttles: a sliding-window limit per key, and an exponential lockout per key.

Pure in-memory bookkeeping driven by an injected monotonic clock, so tests move time
instead of sleeping. Each instance of the service keeps its own counts (see docs/security.md):
with N replicas behind a load balancer a client may get up to N times the limit.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

Monotonic = Callable[[], float]

# Keys tracked at most per throttle; the least recently touched are forgotten first, so a
# flood of distinct keys costs bounded memory.
DEFAULT_MAX_KEYS = 100_000


def retry_after_seconds(delay: float) -> int:
    """Whole seconds for a ``Retry-After`` header: rounded up, never 0."""
    return max(1, math.ceil(delay - 1e-9))


class SlidingWindowLimit:
    """At most ``limit`` events per ``window`` seconds for each key; ``limit`` 0 means no limit."""

    def __init__(
        self,
        limit: int,
        window: float,
        clock: Monotonic,
        max_keys: int = DEFAULT_MAX_KEYS,
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._max_keys = max_keys
        self._events: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str) -> float | None:
        """Seconds until ``key`` may act again, or None if it may act now. Records nothing."""
        if self.limit <= 0:
            return None
        events = self._current(key)
        if events is None or len(events) < self.limit:
            return None
        return events[0] + self.window - self._clock()

    def hit(self, key: str) -> None:
        """Record one event for ``key``."""
        if self.limit <= 0:
            return
        events = self._current(key)
        if events is None:
            events = self._events[key] = deque()
            while len(self._events) > self._max_keys:
                self._events.popitem(last=False)
        self._events.move_to_end(key)
        events.append(self._clock())

    def acquire(self, key: str) -> float | None:
        """Record an event if allowed; otherwise return the seconds to wait (nothing recorded)."""
        wait = self.retry_after(key)
        if wait is None:
            self.hit(key)
        return wait

    def _current(self, key: str) -> deque[float] | None:
        events = self._events.get(key)
        if events is None:
            return None
        horizon = self._clock() - self.window
        while events and events[0] <= horizon:
            events.popleft()
        if not events:
            del self._events[key]
            return None
        return events


@dataclass
class _Streak:
    failures: int = 0
    locked_until: float = 0.0
    last_failure: float = 0.0


class ExponentialLockout:
    """Locks a key after ``threshold`` consecutive failures, doubling the lock on each more.

    The ``threshold``-th failure locks for ``base`` seconds, the next for ``2 * base``, then
    ``4 * base`` ... never more than ``cap``. A success clears the streak; so does ``forget``
    seconds without any failure. ``threshold`` 0 turns the lockout off.

    An attempt counts as a failure from the moment it starts (``begin``) until it succeeds,
    so a burst of concurrent guesses cannot all slip past the check before any of them fails.
    """

    def __init__(
        self,
        threshold: int,
        base: float,
        cap: float,
        clock: Monotonic,
        forget: float = 24 * 3600.0,
        max_keys: int = DEFAULT_MAX_KEYS,
    ) -> None:
        self.threshold = threshold
        self.base = base
        self.cap = cap
        self._clock = clock
        self._forget = forget
        self._max_keys = max_keys
        self._streaks: OrderedDict[str, _Streak] = OrderedDict()

    def lock_seconds(self, failures: int) -> float:
        """How long the ``failures``-th consecutive failure locks the key (0: not at all)."""
        if self.threshold <= 0 or failures < self.threshold:
            return 0.0
        exponent = failures - self.threshold
        # Past 2**64 the cap has long applied; avoid building enormous floats.
        return self.cap if exponent >= 64 else min(self.base * 2.0**exponent, self.cap)

    def retry_after(self, key: str) -> float | None:
        """Seconds until ``key`` may try again, or None if it may try now."""
        streak = self._current(key)
        if streak is None:
            return None
        wait = streak.locked_until - self._clock()
        return wait if wait > 0 else None

    def begin(self, key: str) -> None:
        """An attempt starts: count it as a failure until ``succeeded`` says otherwise."""
        if self.threshold <= 0:
            return
        now = self._clock()
        streak = self._current(key)
        if streak is None:
            streak = self._streaks[key] = _Streak()
            while len(self._streaks) > self._max_keys:
                self._streaks.popitem(last=False)
        self._streaks.move_to_end(key)
        streak.failures += 1
        streak.last_failure = now
        lock = self.lock_seconds(streak.failures)
        if lock:
            streak.locked_until = max(streak.locked_until, now + lock)

    def succeeded(self, key: str) -> None:
        self._streaks.pop(key, None)

    def failures(self, key: str) -> int:
        streak = self._current(key)
        return 0 if streak is None else streak.failures

    def _current(self, key: str) -> _Streak | None:
        streak = self._streaks.get(key)
        if streak is None:
            return None
        now = self._clock()
        if now >= streak.locked_until and now - streak.last_failure >= self._forget:
            del self._streaks[key]
            return None
        return streak
