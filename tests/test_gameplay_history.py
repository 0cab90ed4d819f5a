"""Chat history at login, over WebSocket: the last global lines and the last local lines
of the sub-zone you log in to, marked ``history``, right after ``game_state`` and before
anything live; kept by the persistence service, so a restarted game still has them."""

from __future__ import annotations

import signal
from typing import Any

from test_gameplay_support import QUAD, chats, continued, join, start, walk


def history(player: Any) -> list[str]:
    return [c["message"] for c in chats(player) if c["history"]]


def first_messages(player: Any, count: int) -> list[tuple[str, bool | None]]:
    return [(m["event_type"], m["data"].get("history")) for m in player.received[: count + 1]]


async def test_history_on_login_then_live_lines(start_system: Any, players: Any) -> None:
    system = start(start_system, GAME_CHAT_HISTORY_LINES="3")
    alice = await join(system, players, "Alice")
    dan = await join(system, players, "Dan")
    await walk(dan, "north")
    assert (await dan.run("quit"))["success"]  # Dan will come back to the Quad

    assert history(alice) == [], "nothing was said before Alice came"
    for i in range(4):
        await alice.run("global", f"g{i}")
    await alice.run("local", "square-local")
    await alice.run("say", "said-not-kept")

    carol = await join(system, players, "Carol")  # logs in on the square
    await carol.event("chat_message", message="square-local")
    assert history(carol) == ["g1", "g2", "g3", "square-local"]  # the last 3 of each scope
    assert first_messages(carol, 4) == [("game_state", None)] + [("chat_message", True)] * 4
    texts = [c["text"] for c in chats(carol)]
    assert texts[0] == f"[global] {alice.name}: g1"
    assert texts[3] == f"[local] {alice.name}: square-local"
    await alice.run("global", "live-one")
    live = await carol.event("chat_message", message="live-one")
    assert live["data"]["history"] is False

    dan = await join(system, players, dan.name, register=False)  # back in the Quad
    await dan.event("chat_message", message="live-one")
    assert (await dan.event("game_state"))["data"]["room"]["id"] == QUAD
    assert history(dan) == ["g2", "g3", "live-one"], "another sub-zone: no square lines"

    # The game restarts: connected players' streams go on (from its journal), and a new
    # login gets the history, read back from the database.
    seen = len(carol.received)
    old = system.signal("game", signal.SIGKILL)
    await system.wait_restarted("game", old)
    await continued(carol, since=seen)
    erin = await join(system, players, "Erin")
    await erin.event("chat_message", message="live-one")
    assert history(erin) == ["g2", "g3", "square-local", "live-one"]
    for player in (alice, carol, dan, erin):
        # Each epoch (one per login: a kill of the game starts none) is numbered 1, 2, 3, ...
        # without a gap.
        epochs: list[list[int]] = []
        for m in player.received:
            if m["event_type"] == "game_state":
                epochs.append([])
            if m["event_type"] not in ("heartbeat", "pong", "disconnect"):
                epochs[-1].append(m["sequence_number"])
        assert all(e == list(range(1, len(e) + 1)) for e in epochs), player.name
        await player.close()
