"""A zone moving, live, between two shards, black-box (docs/operations.md, Shards): the
world split by services/game/world/shards.2.json (downtown, with Independence Square, is
s1's; the university, north of it, s2's), one game per shard (``MYTHOS_GAMES=2``), two
edges. An admin's ``admin move downtown s2`` hands the square to s2 while players talk
in it: they see nothing but their own lines, each number once, in order."""

from __future__ import annotations

import uuid
from typing import Any

from test_gameplay_support import grant_admin, join

START_ROOM = "independence-square"
SEEN_ON_A_MOVE = {"game_state", "room_update", "player_entered", "player_left"}


def _clean(player: Any, since: int) -> None:
    numbers = player.sequence_numbers()
    assert numbers == list(range(1, len(numbers) + 1)), (player.name, numbers)
    states = [m for m in player.received if m["event_type"] == "game_state"]
    assert len(states) == 1, f"{player.name} was resynced: {len(states)} game_state"
    seen = {m["event_type"] for m in player.received[since:]}
    assert not seen & SEEN_ON_A_MOVE, (player.name, seen)


async def test_an_admin_moves_the_square_to_s2_while_players_talk_in_it(
    start_system: Any, players: Any
) -> None:
    system = start_system("distributed", edges=2, MYTHOS_GAMES="2")
    ada, bob, carol, dave = [
        await join(system, players, f"{prefix}{uuid.uuid4().hex[:6]}")
        for prefix in ("Ad", "Bo", "Ca", "Da")
    ]
    assert (await dave.run("north"))["success"] is True  # Dave stands on s2
    ada = await grant_admin(system, players, ada.name)  # logs in again, in the square
    said = await bob.run("say", "before the move")
    assert said["success"] is True
    await carol.event("chat_message", message="before the move")
    since = {p.name: len(p.received) for p in (bob, carol)}

    moved = await ada.run("admin", "move", "downtown", "s2")

    assert moved["result"].startswith("Zone downtown moves from s1 to s2 (map version 2)"), moved
    for n in range(3):  # the first ones reach s1, which forwards them to s2
        for speaker, hearer in ((bob, carol), (carol, bob)):
            line = f"{speaker.name} line {n}"
            assert (await speaker.run("say", line))["success"] is True
            await hearer.event("chat_message", message=line)
    for player in (bob, carol):
        _clean(player, since[player.name])
    zones = await ada.run("admin", "zones")
    assert "s2: downtown (v2), miskatonic-university (v1), uptown (v1)" in zones["result"]

    # Walking into the square from the quad no longer crosses: s2 owns both.
    assert (await dave.run("south"))["success"] is True
    await bob.event("player_entered", player_name=dave.name)
    for player in (ada, bob, carol, dave):
        numbers = player.sequence_numbers()
        assert numbers == list(range(1, len(numbers) + 1)), (player.name, numbers)
        await player.close()
