"""Every answer to an input names it: a ``command_response`` or ``error`` carries the
``delivery_id`` of the input it answers (``EventEnvelope.answers``), which the edge's
route waits for before it sends to another shard; nothing else carries one. The inputs
are sent on the lobby's key, which the default shard's inbox takes until the lobby runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from mythos_contracts.bus import Bus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import CommandRefused, InvalidInput, PlayerCommand, SessionOpened
from mythos_contracts.routing import COMMANDS_EXCHANGE, LOBBY_SHARD, command_key
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings
from pydantic import BaseModel

PeerOn = Callable[[Bus], Awaitable[Any]]

IDS = {
    "player_id": "alice",
    "player_name": "Alice",
    "connection_id": "c-alice",
    "edge_id": "edge-1",
}


async def test_each_answer_names_the_input_it_answers(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    bus = InMemoryBus(broker)
    await bus.connect()
    service = GameService(game_settings(), bus)
    await service.start()

    async def send(message: BaseModel) -> None:
        body = message.model_dump_json().encode()
        await peer.bus.publish(COMMANDS_EXCHANGE, command_key(LOBBY_SHARD, "alice"), body)

    def answers() -> list[tuple[str, str | None]]:
        return [
            (e.event_type, e.answers)
            for e in peer.events
            if e.event_type in ("command_response", "error")
        ]

    await send(SessionOpened(delivery_id="d-open", **IDS))
    await send(PlayerCommand(delivery_id="d-look", command="look", command_id="c1", **IDS))
    await send(PlayerCommand(delivery_id="d-say", command="say", args=["hi"], **IDS))
    # A re-sent command id is answered again, under the new message's id.
    await send(PlayerCommand(delivery_id="d-again", command="look", command_id="c1", **IDS))
    await send(InvalidInput(delivery_id="d-bad", reason="not JSON", **IDS))
    refused = CommandRefused(command="say", reason="slow down", retry_after=1.0, **IDS)
    await send(refused.model_copy(update={"delivery_id": "d-refused"}))
    await peer.wait_until(lambda: len(answers()) >= 5)
    assert answers() == [
        ("command_response", "d-look"),
        ("command_response", "d-say"),
        ("command_response", "d-again"),
        ("error", "d-bad"),
        ("command_response", "d-refused"),
    ]
    others = [e for e in peer.events if e.event_type not in ("command_response", "error")]
    assert others and all(e.answers is None for e in others)
    await service.stop()
    await bus.close()
    await peer.bus.close()
