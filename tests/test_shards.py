"""Two shards, two edges, black-box (docs/design/shards.md §12): the world split by
services/game/world/shards.2.json (downtown in s1, the university in s2), one game per
shard (``MYTHOS_GAMES=2``), players spread over two edges by the front door.

Independence Square (downtown, s1) has the Miskatonic quad (s2) to its north: walking
north crosses the boundary."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from test_gameplay_support import grant_admin, join

START_ROOM = "independence-square"  # shard s1
NORTH_ROOM = "miskatonic-quad"  # shard s2


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def _assert_one_clean_stream(player: Any) -> None:
    numbers = player.sequence_numbers()
    assert numbers == list(range(1, len(numbers) + 1)), (player.name, numbers)
    states = [m for m in player.received if m["event_type"] == "game_state"]
    assert len(states) == 1, f"{player.name} was resynced: {len(states)} game_state"


async def test_walking_across_the_boundary_moves_the_player_and_their_stream(
    start_system: Any, players: Any
) -> None:
    system = start_system("distributed", edges=2, MYTHOS_GAMES="2")
    base = system.url
    alice, bob, carol = [
        await players.register_and_login(base, _name(prefix)) for prefix in ("Al", "Bo", "Ca")
    ]
    for player in (alice, bob, carol):
        await player.connect(base)
        state = await player.event("game_state")
        assert state["data"]["room"]["id"] == START_ROOM

    # A command answered on s1, before the crossing: re-sent later, it is not run again.
    before = await alice.send("say", "before the crossing")
    answered_before = await alice.response(before)

    # Bob crosses first and waits in the quad; everyone left behind sees him go.
    assert (await bob.run("north"))["success"] is True
    update = await bob.event("room_update")
    assert update["data"]["room"]["id"] == NORTH_ROOM
    for stayer in (alice, carol):
        await stayer.event("player_left", player_name=bob.name)

    # Alice follows: Carol (origin) sees her leave, Bob (destination) sees her arrive.
    assert (await alice.run("go", "north"))["success"] is True
    await carol.event("player_left", player_name=alice.name)
    await bob.event("player_entered", player_name=alice.name)
    await alice.run("say", "found you")
    await bob.event("chat_message", message="found you")

    # The pre-crossing command, sent again with its id, is answered as it was, not re-run.
    await alice.send_raw(
        json.dumps(
            {
                "command": "say",
                "args": ["before", "the", "crossing"],
                "timestamp": "2026-01-01T00:00:00Z",
                "command_id": before,
            }
        )
    )
    answers = [m for m in await _settle(alice) if m["data"].get("command_id") == before]
    assert [a["data"] for a in answers] == [answered_before] * len(answers)
    for listener in (bob, carol):  # both stood in the square when it was said
        heard = [m for m in listener.received if m["data"].get("message") == "before the crossing"]
        assert len(heard) == 1, f"{listener.name} heard the re-sent command run again"

    # What spans the world: who lists both shards; a whisper crosses and is replied to.
    who = await carol.run("who")
    assert alice.name in who["result"] and bob.name in who["result"], who
    assert (await carol.run("whisper", alice.name, "psst"))["success"] is True
    await alice.event("chat_message", channel="whisper", message="psst")
    assert (await alice.run("reply", "hello back"))["success"] is True
    await carol.event("chat_message", channel="whisper", message="hello back")

    for player in (alice, bob, carol):
        _assert_one_clean_stream(player)
        await player.close()


async def test_global_lines_from_two_shards_reach_every_listener_in_one_order(
    start_system: Any, players: Any
) -> None:
    system = start_system("distributed", edges=2, MYTHOS_GAMES="2")
    base = system.url
    alice, bob, carol, dave = [
        await players.register_and_login(base, _name(prefix)) for prefix in ("Al", "Bo", "Ca", "Da")
    ]
    for player in (alice, bob, carol, dave):
        await player.connect(base)
        await player.event("game_state")
    for walker in (bob, dave):  # to s2; Alice and Carol stay on s1
        assert (await walker.run("north"))["success"] is True

    # Alice (s1) and Bob (s2) talk at once, neither waiting for an answer.
    sent = []
    for n in range(5):
        sent.append((alice, await alice.send("global", f"a{n}")))
        sent.append((bob, await bob.send("global", f"b{n}")))
    for speaker, command_id in sent:
        assert (await speaker.response(command_id))["success"] is True

    def heard(player: Any) -> list[str]:
        return [
            m["data"]["message"]
            for m in player.received
            if m["event_type"] == "chat_message" and m["data"]["channel"] == "global"
        ]

    for listener in (carol, dave):
        for n in range(5):
            await listener.event("chat_message", message=f"b{n}")
            await listener.event("chat_message", message=f"a{n}")
    order = heard(carol)
    assert sorted(order) == sorted(f"{w}{n}" for w in "ab" for n in range(5))
    assert heard(dave) == order, "the two shards' listeners heard different orders"
    await alice.event("chat_message", message="b4")
    await bob.event("chat_message", message="a4")
    assert heard(alice) == [m for m in order if m.startswith("b")]
    assert heard(bob) == [m for m in order if m.startswith("a")]

    # A login shows the lines of both shards, in that order.
    erin = await players.register_and_login(base, _name("Er"))
    await erin.connect(base)
    await erin.event("game_state")
    await erin.run("look")  # the history comes before any answer
    history = [
        m["data"]["message"]
        for m in erin.received
        if m["event_type"] == "chat_message" and m["data"].get("history")
    ]
    assert history[-len(order) :] == order
    for player in (alice, bob, carol, dave, erin):
        _assert_one_clean_stream(player)
        await player.close()


async def test_an_admin_on_s1_teleports_mutes_and_kicks_players_on_s2(
    start_system: Any, players: Any
) -> None:
    system = start_system("distributed", edges=2, MYTHOS_GAMES="2")
    ada, bob, carol = [await join(system, players, prefix) for prefix in ("Ad", "Bo", "Ca")]
    for walker in (bob, carol):  # to s2
        assert (await walker.run("north"))["success"] is True
    ada = await grant_admin(system, players, ada.name)  # logs in again, on s1

    # teleport Bob within s2 (s1 knows him from the directory within a second).
    async with asyncio.timeout(10):
        while True:
            moved = await ada.run("teleport", bob.name, "science-hall")
            if not moved["result"].startswith("There is no one"):
                break
            await asyncio.sleep(0.2)
    assert moved["result"] == f"{bob.name} is now in Science Hall Laboratory (science-hall)."
    await bob.wait_for(
        lambda m: m["event_type"] == "room_update" and m["data"]["room"]["id"] == "science-hall",
        what="Bob's room_update",
    )
    await bob.event(
        "chat_message",
        channel="system",
        text=f"[system] {ada.name} moves you to Science Hall Laboratory.",
    )

    # mute and unmute Carol on s2.
    muted = await ada.run("mute", carol.name, "5")
    assert muted["result"] == f"{carol.name} is muted for 5 minutes.", muted
    await carol.event(
        "chat_message",
        channel="system",
        text=f"[system] {ada.name} has muted you for 5 minutes: you cannot speak until then.",
    )
    refused = await carol.run("say", "hi")
    assert refused["success"] is False and "You are muted for" in refused["result"], refused
    assert (await ada.run("unmute", carol.name))["result"] == f"{carol.name} may speak again."
    assert (await carol.run("say", "free"))["success"] is True

    # kick Carol on s2: told why, closed with 4004.
    kicked = await ada.run("kick", carol.name, "testing")
    assert kicked["result"] == f"{carol.name} is removed from the game.", kicked
    await carol.event(
        "chat_message",
        channel="system",
        text=f"[system] {ada.name} has removed you from the game: testing",
    )
    async with asyncio.timeout(10):
        while carol.close_code is None:
            await asyncio.sleep(0.05)
    assert carol.close_code == 4004
    for player in (ada, bob):
        _assert_one_clean_stream(player)
        await player.close()


async def _settle(player: Any) -> list[dict[str, Any]]:
    """Every answer the player has, after one more command round trip (the answers of
    what was sent before it are in by then: one player's commands run in order)."""
    await player.run("look")
    return [m for m in player.received if m["event_type"] == "command_response"]
