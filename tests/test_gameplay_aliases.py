"""Aliases over WebSocket: defined, expanded by the server, limited, removed, and kept
across a logout and a restart of the game (stored by the persistence service)."""

from __future__ import annotations

import signal
from typing import Any

from test_gameplay_support import QUAD, START, continued, join, start


async def test_aliases_expand_are_limited_and_survive_logout_and_restart(
    start_system: Any, players: Any
) -> None:
    system = start(start_system, GAME_ALIAS_MAX_COUNT="5")
    alice = await join(system, players, "Alice")
    bob = await join(system, players, "Bob")

    assert (await alice.run("alias", "gq", "go", "north"))["success"]
    assert (await alice.run("alias", "hi", "say", "Good", "evening"))["success"]
    assert (await alice.run("alias", "greet", "hi"))["success"]
    listing = (await alice.run("aliases"))["result"]
    assert "Your aliases (3 of 5):" in listing
    assert "gq = go north" in listing and "greet = hi" in listing

    assert (await alice.run("greet", "everyone."))["success"]
    line = await bob.event("chat_message", message="Good evening everyone.")
    assert line["data"]["text"] == f"{alice.name} says: Good evening everyone."
    assert (await alice.run("GQ"))["success"]
    assert (await alice.event("room_update"))["data"]["room"]["id"] == QUAD
    await bob.event("player_left", player_name=alice.name)

    assert (await alice.run("alias", "deeper", "greet"))["success"]  # 3 deep: the most
    for args, reason in [
        (["say", "hello"], "already a command"),
        (["n", "look"], "already a command"),
        (["x" * 21, "look"], "at most 20 characters"),
        (["long", "say", "y" * 201], "at most 200 characters"),
        (["oops", "xyzzy"], "neither a command nor one of your aliases"),
        (["hi", "greet"], "calling itself"),
        (["deepest", "deeper"], "more than 3 aliases deep"),
    ]:
        refused = await alice.run("alias", *args)
        assert refused["success"] is False and reason in refused["result"], (args, refused)
    assert (await alice.run("alias", "wave", ":waves."))["success"]
    refused = await alice.run("alias", "one", "look")
    assert refused["success"] is False and "the most allowed" in refused["result"]

    assert (await alice.run("unalias", "greet"))["success"]
    unknown = await alice.run("greet")
    assert unknown["success"] is False and "Unknown command 'greet'" in unknown["result"]

    # Logout and back: the aliases are still there.
    assert (await alice.run("quit"))["success"]
    alice = await join(system, players, alice.name, register=False)
    assert "gq = go north" in (await alice.run("aliases"))["result"]

    # Restart the game: it learns them again from the database (its journal holds the
    # streams, not the characters).
    seen = len(alice.received)
    old = system.signal("game", signal.SIGKILL)
    await system.wait_restarted("game", old)
    await continued(alice, since=seen)
    listing = (await alice.run("aliases"))["result"]
    assert "Your aliases (4 of 5):" in listing
    assert "hi = say Good evening" in listing and "wave = :waves." in listing
    assert (await alice.run("s"))["success"]  # back to the square
    assert (await alice.run("wave"))["result"] == f"{alice.name} waves."
    assert START in [
        m["data"]["room"]["id"] for m in alice.received if m["event_type"] == "room_update"
    ]
    for player in (alice, bob):
        await player.close()
