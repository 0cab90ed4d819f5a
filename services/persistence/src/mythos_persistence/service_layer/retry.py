"""Capped exponential backoff for waiting out a dependency outage."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    initial: float = 0.5
    maximum: float = 10.0

    def delays(self) -> Iterator[float]:
        """0.5, 1, 2, 4, 8, 10, 10, ... (with the defaults), forever."""
        delay = self.initial
        while True:
            yield min(delay, self.maximum)
            delay = min(delay * 2, self.maximum)
