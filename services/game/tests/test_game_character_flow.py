"""Characters through the whole game service (in-memory bus, a persistence peer): the
first login's character, create and play (a new stream epoch), and a game restart that
brings back the character last played, from what was saved."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from mythos_contracts.bus import Bus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EventEnvelope
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings

PeerOn = Callable[[Bus], Awaitable[Any]]


def stream(peer: Any, pid: str) -> list[EventEnvelope]:
    return [e for e in peer.events if pid in e.recipients]


async def run(peer: Any, pid: str, command_id: str, command: str, *args: str) -> dict[str, Any]:
    await peer.send_command(pid, command, *args, command_id=command_id)
    await peer.wait_until(lambda: any(r["command_id"] == command_id for r in peer.responses(pid)))
    return next(r for r in peer.responses(pid) if r["command_id"] == command_id)


async def test_create_play_and_a_restart_keep_the_character_played(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    bus = InMemoryBus(broker)
    await bus.connect()
    service = GameService(game_settings(), bus)
    await service.start()

    await run(peer, "bob", "b-1", "look")
    first = await run(peer, "ada", "a-1", "status")
    assert first["result"].splitlines()[0] == "Ada, drifter"
    (state,) = [e for e in stream(peer, "ada") if e.event_type == "game_state"]
    assert state.data["player"] == {"id": "ada", "name": "Ada"}
    assert peer.characters["ada"].name == "Ada", "the first character is saved at once"
    assert peer.active["ada"] == "ada"

    assert (await run(peer, "ada", "a-2", "roll"))["success"]
    made = await run(peer, "ada", "a-3", "create", "Ada_Two", "drifter")
    assert made["success"], made
    (created,) = [c for c in peer.characters.values() if c.name == "Ada_Two"]
    assert (created.account_id, created.room_id, created.deleted) == ("ada", None, False)

    before = len(peer.events)
    switched = await run(peer, "ada", "a-4", "play", "Ada_Two")
    assert switched["result"] == "You are now playing Ada_Two."
    after = peer.events[before:]
    kinds = [e.event_type for e in after if "ada" in e.recipients]
    assert kinds == ["game_state", "command_response"]
    new_state = next(e for e in after if e.event_type == "game_state")
    assert new_state.data["epoch"] != state.data["epoch"] and new_state.recipients["ada"] == 1
    assert new_state.data["player"] == {"id": created.character_id, "name": "Ada_Two"}
    presence = [(e.event_type, e.data["player_name"]) for e in after if "bob" in e.recipients]
    assert presence == [("player_left", "Ada"), ("player_entered", "Ada_Two")]
    await peer.wait_until(lambda: peer.active.get("ada") == created.character_id)

    await service.stop()
    await bus.close()
    bus = InMemoryBus(broker)
    await bus.connect()
    service = GameService(game_settings(), bus)
    await service.start()
    again = await run(peer, "ada", "a-5", "status")
    assert again["result"].splitlines()[0] == "Ada_Two, drifter"
    listing = (await run(peer, "ada", "a-6", "characters"))["result"].splitlines()
    assert listing[0] == "Your characters (2 of 3):"
    assert listing[2].endswith("(playing)") and "Ada_Two" in listing[2]
    # The names came back from storage: nobody may take one again.
    assert (await run(peer, "bob", "b-2", "roll"))["success"]
    taken = await run(peer, "bob", "b-3", "create", "ada_two", "drifter")
    assert taken["result"] == "The name 'ada_two' is already taken."
    await service.stop()
    await bus.close()
    await peer.bus.close()
