"""Feeds the game's command queue into the dispatcher.

Stopping is the bus's job (``Bus.stop_consuming``): the command in hand finishes and is
acked, and whatever was not started goes back to the broker, unacked, for the next game.
"""

from __future__ import annotations

from typing import Annotated

from mythos_contracts.accounts import AccountRevoked
from mythos_contracts.bus import Delivery
from mythos_contracts.envelope import EdgeMessage
from pydantic import Field, TypeAdapter

from mythos_game.service_layer.dispatcher import Dispatcher

# The queue also carries the auth service's revocations (docs/architecture.md).
GameInput = Annotated[EdgeMessage | AccountRevoked, Field(discriminator="kind")]
GAME_INPUT: TypeAdapter[GameInput] = TypeAdapter(GameInput)


class CommandIntake:
    """The handler of the game's command queue."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher

    async def __call__(self, delivery: Delivery) -> None:
        # A body that is not a valid message is a sender's bug: raising dead-letters it.
        await self._dispatcher.handle(GAME_INPUT.validate_json(delivery.body))
