"""A message the broker delivers again runs once (docs/design/shards.md §6).

On a real RabbitMQ: a command sent without a ``command_id`` is in hand (its player's
load held back) when the game's broker connection is closed under it. The handler
finishes, but its ack is lost with the channel, so the broker delivers the command again
on the new connection. The game knows its ``delivery_id`` and skips it: one answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from mythos_contracts.bus import Bus
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.envelope import PlayerCommand
from mythos_contracts.routing import COMMANDS_EXCHANGE, DEFAULT_SHARD, command_key
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings
from mythos_local.broker_drops import close_connection_named
from prometheus_client import REGISTRY

PeerOn = Callable[[Bus], Awaitable[Any]]
SKIPPED = "mythos_game_inputs_already_handled_total"


def skipped() -> float:
    return REGISTRY.get_sample_value(SKIPPED) or 0.0


@pytest.mark.services
async def test_a_command_delivered_again_after_its_ack_was_lost_runs_once(
    amqp_url: str, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    peer = await peer_on(AmqpBus(amqp_url, connection_name="test-peer"))
    bus = AmqpBus(amqp_url, connection_name="game-under-test")
    await bus.connect()
    reconnected = asyncio.Event()
    bus.on_reconnect(reconnected.set)
    service = GameService(game_settings(), bus)
    await service.start()
    before = skipped()

    peer.answer_loads.clear()  # Alice's command stays in hand, waiting for her load
    command = PlayerCommand(
        player_id="alice",
        player_name="Alice",
        connection_id="c-alice",
        edge_id="edge-1",
        command="say",
        args=["only once"],
    )
    assert command.command_id is None and command.delivery_id
    await peer.bus.publish(
        COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "alice"), command.model_dump_json().encode()
    )
    await peer.wait_until(lambda: peer.loads == ["alice"])
    await close_connection_named(amqp_url, "game-under-test")
    async with asyncio.timeout(30):  # the robust connection comes back within seconds
        await reconnected.wait()
    peer.answer_loads.set()  # the handler finishes; its ack has no channel to go on

    await peer.wait_until(
        lambda: skipped() == before + 1 or len(peer.responses("alice")) > 1, timeout=30
    )
    await asyncio.sleep(0.5)  # time for a second answer, were the command run again
    responses = peer.responses("alice")
    assert [r["command_id"] for r in responses] == [None], responses
    await service.stop()
    await bus.close()
    await peer.bus.close()
