"""The game handles each edge message's ``delivery_id`` at most once: the window and
the bound of what it remembers, and the same message published twice (an edge retrying
a publish whose confirm it lost) answered once."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

from mythos_contracts.bus import Bus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import PlayerCommand
from mythos_contracts.routing import COMMANDS_EXCHANGE, DEFAULT_SHARD, command_key
from mythos_game.bootstrap import GameService
from mythos_game.service_layer.handled_inputs import HandledInputs
from mythos_game.settings import GameSettings

PeerOn = Callable[[Bus], Awaitable[Any]]


def test_an_id_is_remembered_for_the_window_and_then_forgotten() -> None:
    handled = HandledInputs(window_seconds=120)
    handled.add("a", now=1000.0)
    assert handled.seen("a", now=1000.0)
    assert handled.seen("a", now=1120.0)
    assert not handled.seen("a", now=1120.5)
    assert not handled.seen("b", now=1000.0)
    handled.add("b", now=1121.0)  # adding forgets what fell out of the window
    assert len(handled) == 1


def test_past_its_bound_the_oldest_ids_go_first() -> None:
    handled = HandledInputs(window_seconds=120, kept=2)
    for n, delivery_id in enumerate(["a", "b", "c"]):
        handled.add(delivery_id, now=float(n))
    assert [handled.seen(i, now=3.0) for i in "abc"] == [False, True, True]


def test_its_memory_stays_flat_once_the_window_is_full() -> None:
    """Ids taken at one end and dropped at the other at a steady rate: from the window's
    first turn on, the memory held stays where it was (one dict churning as this was
    grew about 1.6x some 40 s after the window filled, and stayed there)."""
    handled = HandledInputs(window_seconds=120)
    rate = 100  # ids a second, 32 hex characters each as an edge's
    held: list[int] = []
    tracemalloc.start()
    try:
        for tick in range(400 * rate):
            handled.add(f"{tick:032x}", tick / rate)
            if tick >= 130 * rate and tick % (10 * rate) == 0:
                held.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    # The window's ids, and at most a slice (a twelfth of it) of older ones, going whole.
    assert 120 * rate <= len(handled) <= 130 * rate
    assert max(held) / min(held) < 1.05, [round(b / 1e6, 2) for b in held]


async def test_the_same_message_published_twice_is_answered_once(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    bus = InMemoryBus(broker)
    await bus.connect()
    service = GameService(game_settings(), bus)
    await service.start()
    sent = PlayerCommand(
        player_id="alice",
        player_name="Alice",
        connection_id="c-alice",
        edge_id="edge-1",
        command="say",
        args=["once"],
    )
    again = PlayerCommand.model_validate({**sent.model_dump(), "args": ["another"]})
    assert again.delivery_id == sent.delivery_id
    for command in (sent, sent, again):
        await peer.bus.publish(
            COMMANDS_EXCHANGE,
            command_key(DEFAULT_SHARD, "alice"),
            command.model_dump_json().encode(),
        )
    # A message of a new id after them: once it is answered, the others were handled.
    later = PlayerCommand(**{**sent.model_dump(exclude={"delivery_id"}), "args": ["later"]})
    await peer.bus.publish(
        COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "alice"), later.model_dump_json().encode()
    )
    await peer.wait_until(lambda: len(peer.responses("alice")) >= 2)
    await asyncio.sleep(0.2)
    assert len(peer.responses("alice")) == 2
    await service.stop()
    await bus.close()
    await peer.bus.close()
