"""Each game that starts raises its shard's term (kept by persistence) before it publishes
anything, and stamps its shard and term on every envelope, so edges can fence off the
envelopes of the game before it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from mythos_contracts.bus import Bus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings

PeerOn = Callable[[Bus], Awaitable[Any]]


async def test_every_start_raises_the_term_and_every_envelope_carries_it(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    for expected_term, pid in ((1, "alice"), (2, "bob")):
        bus = InMemoryBus(broker)
        await bus.connect()
        service = GameService(game_settings(handoff=False), bus)
        await service.start()
        assert service.term == expected_term
        seen = len(peer.events)
        await peer.send_command(pid, "look", command_id=f"{pid}-1")
        await peer.wait_until(lambda pid=pid: len(peer.responses(pid)) == 1)
        published = peer.events[seen:]
        assert published
        assert {(e.shard, e.term) for e in published} == {("s1", expected_term)}
        await service.stop()
        await bus.close()
    assert peer.terms == {"s1": 2}
    await peer.bus.close()
