"""Feeds the game's command queue into the dispatcher.

Stopping is the bus's job (``Bus.stop_consuming``): the command in hand finishes and is
acked, and whatever was not started goes back to the broker, unacked, for the next game.
"""

from __future__ import annotations

from mythos_contracts.bus import Delivery
from mythos_contracts.envelope import EDGE_MESSAGE

from mythos_game.service_layer.dispatcher import Dispatcher


class CommandIntake:
    """The handler of the game's command queue."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher

    async def __call__(self, delivery: Delivery) -> None:
        # A body that is not a valid edge message is an edge bug: raising dead-letters it.
        await self._dispatcher.handle(EDGE_MESSAGE.validate_json(delivery.body))
