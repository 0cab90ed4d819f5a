"""Feeds the game's command queue into the dispatcher."""

from __future__ import annotations

from mythos_contracts.bus import Delivery, Handler
from mythos_contracts.envelope import EDGE_MESSAGE

from mythos_game.service_layer.dispatcher import Dispatcher


def command_consumer(dispatcher: Dispatcher) -> Handler:
    async def on_delivery(delivery: Delivery) -> None:
        # A body that is not a valid edge message is an edge bug: raising dead-letters it.
        await dispatcher.handle(EDGE_MESSAGE.validate_json(delivery.body))

    return on_delivery
