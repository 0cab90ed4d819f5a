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


async def test_items_outlive_a_restart_once_each(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """What a player picked up comes back with them, the floor keeps what lay there, and
    the spawn rules count it: nothing is lost, nothing doubled."""
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))

    async def game() -> tuple[GameService, InMemoryBus]:
        bus = InMemoryBus(broker)
        await bus.connect()
        service = GameService(game_settings(handoff=False), bus)
        await service.start()
        return service, bus

    service, bus = await game()
    try:
        await peer.send_command("alice", "get", "paper", command_id="a-1")
        await peer.wait_until(lambda: peer.responses("alice"))
        assert (
            peer.responses("alice")[0]["result"] == "You pick up a copy of the Arkham Advertiser."
        )
        await peer.wait_until(
            lambda: any(i.location_kind == "carried" for i in peer.items.values())
        )
    finally:
        await service.stop()
        await bus.close()
    (held,) = [i for i in peer.items.values() if i.location_kind == "carried"]
    floor_before = {i.item_id for i in peer.items.values() if i.location_kind == "room"}

    service, bus = await game()
    try:
        await peer.send_command("alice", "inventory", command_id="a-2")
        await peer.wait_until(lambda: len(peer.responses("alice")) == 2)
        assert peer.responses("alice")[1]["result"].splitlines()[1] == (
            "  a copy of the Arkham Advertiser"
        )
        # The square's rule refilled its floor once at the second start (the paper
        # taken no longer counts for it); the lantern shop's stock was already there.
        floor_after = {i.item_id for i in peer.items.values() if i.location_kind == "room"}
        assert floor_before <= floor_after and len(floor_after - floor_before) == 1
        assert peer.items[held.item_id].location_kind == "carried"
    finally:
        await service.stop()
        await bus.close()
        await peer.bus.close()
