"""The spawn rules in the running game: filled at start, shown in the room, refilled on
the clock (with the period scaled by ``GAME_SPAWN_PERIOD_SCALE``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from mythos_contracts.bus import Bus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings

PeerOn = Callable[[Bus], Awaitable[Any]]


async def test_the_start_room_shows_the_paper_its_rule_put_there(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    bus = InMemoryBus(broker)
    await bus.connect()
    service = GameService(game_settings(), bus)
    await service.start()
    try:
        await peer.send_command("alice", "look", command_id="a-1")
        await peer.wait_until(lambda: peer.responses("alice"))
        [state] = [e.data for e in peer.events if e.event_type == "game_state"]
        [paper] = state["room"]["items"]
        assert paper["prototype"] == "arkham-advertiser"
        assert paper["name"] == "a copy of the Arkham Advertiser"
        assert paper["id"].startswith("it-")
        [look] = peer.responses("alice")
        assert look["result"].endswith("\nOn the ground: a copy of the Arkham Advertiser")
    finally:
        await service.stop()
        await bus.close()
        await peer.bus.close()
