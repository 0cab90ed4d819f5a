"""How the game reads what edges send: commands the fast reading takes run, so do those
only the model reads, and whatever the model refuses is dead-lettered, unrun, whichever
reading saw it first."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from mythos_contracts.bus import Bus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import PlayerCommand
from mythos_contracts.player_command_wire import read_player_command
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    DEAD_LETTER_QUEUE,
    DEFAULT_SHARD,
    command_key,
)
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings

PeerOn = Callable[[Bus], Awaitable[Any]]


def alice_says(command_id: str, **changes: object) -> bytes:
    """Alice's ``say`` as an edge writes it, with ``changes`` (None: the key left out)."""
    message = PlayerCommand(
        player_id="alice",
        player_name="Alice",
        connection_id="c-alice",
        edge_id="edge-1",
        command="say",
        args=["hello"],
        command_id=command_id,
    )
    fields = {**message.model_dump(mode="json"), **changes}
    return json.dumps({k: v for k, v in fields.items() if v is not None}).encode()


async def test_refused_messages_are_dead_lettered_and_good_ones_run_either_way(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    bus = InMemoryBus(broker)
    await bus.connect()
    service = GameService(game_settings(), bus)
    await service.start()

    refused = [
        alice_says("bad-1", player_name=None),
        alice_says("bad-2", delivery_id="d" * 65),
        alice_says("bad-3", sent_at="2026-02-30T00:00:00Z"),
        alice_says("bad-4", kind=None),
        alice_says("bad-5", args="hello"),
        alice_says("bad-6", extra=True),
        b"not json",
    ]
    fast = alice_says("a-1")
    model_only = alice_says("a-2", sent_at="2026-12-05")  # a date alone: the model's form
    assert read_player_command(fast) is not None and read_player_command(model_only) is None
    for body in [*refused, fast, model_only]:
        await peer.bus.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "alice"), body)
    await peer.wait_until(lambda: len(peer.responses("alice")) == 2)

    assert [r["command_id"] for r in peer.responses("alice")] == ["a-1", "a-2"]
    dead = broker.queues[DEAD_LETTER_QUEUE].items
    assert [dead.get_nowait().body for _ in range(dead.qsize())] == refused
    await service.stop()
    await bus.close()
    await peer.bus.close()
