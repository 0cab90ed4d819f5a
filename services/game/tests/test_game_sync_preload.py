"""A start or a takeover adopts every player the edges hold: their loads go out side by
side, not one after another (each one a round trip the shard would wait on)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from mythos_contracts.bus import Bus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EdgeHeartbeat, HeldConnection
from mythos_contracts.routing import COMMANDS_EXCHANGE, PERSISTENCE_REQUESTS_QUEUE, edge_key
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings

PeerOn = Callable[[Bus], Awaitable[Any]]
PLAYERS = [f"p{n}" for n in range(10)]


async def test_the_players_the_edges_hold_are_loaded_side_by_side(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    peer.answer_loads.clear()  # no load is answered until all were asked for
    bus = InMemoryBus(broker)
    await bus.connect()
    game = GameService(game_settings(edge_sync_seconds=1.0), bus)
    starting = asyncio.create_task(game.start())
    beat = EdgeHeartbeat(
        edge_id="edge-1",
        connections=[
            HeldConnection(player_id=p, player_name=p.title(), connection_id=f"c-{p}")
            for p in PLAYERS
        ],
    )

    async def asked() -> int:
        """Loads the game has asked for: the one persistence holds, and those queued."""
        depths = await peer.bus.queue_depths()
        return len(peer.loads) + depths.get(PERSISTENCE_REQUESTS_QUEUE, 0)

    # The edge answers the game's sync (again until the game listens: its queue is new).
    async with asyncio.timeout(15):
        while await asked() < len(PLAYERS):
            body = beat.model_dump_json().encode()
            await peer.bus.publish(COMMANDS_EXCHANGE, edge_key("edge-1"), body)
            await asyncio.sleep(0.2)
    assert await asked() == len(PLAYERS), "every load asked for before one was answered"

    peer.answer_loads.set()
    await asyncio.wait_for(starting, 15)
    await peer.wait_until(
        lambda: (
            {p for e in peer.events if e.event_type == "game_state" for p in e.recipients}
            == set(PLAYERS)
        )
    )
    await game.stop()
    await bus.close()
    await peer.bus.close()
