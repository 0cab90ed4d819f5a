"""Telling a service that its broker connection was lost (both AMQP adapters)."""

from __future__ import annotations

from collections.abc import Callable


class ConnectionLoss:
    """The callbacks of ``on_connection_lost``: called as soon as the connection is found
    lost, before the robust connection reconnects; never for the adapter's own close
    (``closing`` set first)."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[], None]] = []
        self.closing = False

    def add(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def lost(self, *_: object) -> None:
        """A close callback of the connection (its arguments are not needed)."""
        if not self.closing:
            for callback in list(self._callbacks):
                callback()
