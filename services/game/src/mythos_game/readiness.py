"""What the game's ``/readyz`` says is wrong: each readiness check raises one of these,
and the class's name is the detail it shows."""

from __future__ import annotations


class NotReady(RuntimeError):
    """A readiness check failed; its subclass's name is the detail /readyz shows."""


class BrokerDisconnected(NotReady):
    pass


class WorldNotLoaded(NotReady):
    pass


class NotConsuming(NotReady):
    pass
