"""Chat over WebSocket on the distributed system, with three and four players: every
channel reaches exactly whom it should (and never anyone else), reach follows players
who move, poses show in look, and refusals (rate limits, bad targets) send nothing."""

from __future__ import annotations

import re
from typing import Any

from test_gameplay_support import chats, join, settled, start, texts, walk


async def test_each_channel_reaches_exactly_whom_it_should(start_system: Any, players: Any) -> None:
    system = start(start_system)
    alice = await join(system, players, "Alice")
    bob = await join(system, players, "Bob")  # the same room
    carol = await join(system, players, "Carol")  # another room of the same sub-zone
    dan = await join(system, players, "Dan")  # another sub-zone
    await walk(carol, "nw")
    await walk(dan, "n")
    alice_id = (await alice.event("game_state"))["data"]["player"]["id"]
    a = alice.name

    said = await alice.run("say", "Has", "anyone", "seen", "the", "professor?")
    assert said["success"] and said["result"] == "You say: Has anyone seen the professor?"
    line = (await bob.event("chat_message", channel="say"))["data"]
    assert line == {
        "channel": "say",
        "player_id": alice_id,
        "player_name": a,
        "message": "Has anyone seen the professor?",
        "text": f"{a} says: Has anyone seen the professor?",
        "history": False,
        "distortion": [],  # a lucid speaker heard by a lucid listener
    }
    assert (await alice.run("'Over", "here!"))["result"] == "You say: Over here!"
    await bob.event("chat_message", text=f"{a} says: Over here!")

    assert (await alice.run("emote", "laughs."))["result"] == f"{a} laughs."
    await bob.event("chat_message", channel="emote", text=f"{a} laughs.")
    assert (await alice.run("/ME", "shivers."))["result"] == f"{a} shivers."
    await settled(carol, dan)
    assert chats(carol) == [] and chats(dan) == [], "say and emote stay in the room"

    local = await alice.run("local", "Anyone", "near", "the", "town", "hall?")
    assert local["result"] == f"[local] {a}: Anyone near the town hall?"
    for listener in (bob, carol):
        got = await listener.event("chat_message", channel="local")
        assert got["data"]["text"] == local["result"] and got["data"]["player_id"] == alice_id
    await settled(dan)
    assert chats(dan) == [], "local stays within the sub-zone"

    shout = await alice.run("global", "Good", "evening,", "Arkham.")
    assert shout["result"] == f"[global] {a}: Good evening, Arkham."
    for listener in (bob, carol, dan):
        got = await listener.event("chat_message", channel="global")
        assert got["data"]["text"] == shout["result"]

    whisper = await alice.run("whisper", dan.name.upper(), "Meet", "me", "at", "the", "library.")
    assert whisper["result"] == f"You whisper to {dan.name}: Meet me at the library."
    got = await dan.event("chat_message", channel="whisper")
    assert got["data"]["text"] == f"{a} whispers to you: Meet me at the library."
    answer = await dan.run("reply", "On", "my", "way.")
    assert answer["result"] == f"You whisper to {a}: On my way."
    await alice.event(
        "chat_message", channel="whisper", text=f"{dan.name} whispers to you: On my way."
    )
    await settled(bob, carol)
    assert not [c for c in chats(bob) + chats(carol) if c["channel"] == "whisper"]

    assert [c["channel"] for c in chats(alice)] == ["whisper"], "the speaker reads results only"
    assert texts(bob) == [
        f"{a} says: Has anyone seen the professor?",
        f"{a} says: Over here!",
        f"{a} laughs.",
        f"{a} shivers.",
        f"[local] {a}: Anyone near the town hall?",
        f"[global] {a}: Good evening, Arkham.",
    ]
    for player in (alice, bob, carol, dan):
        numbers = player.sequence_numbers()
        assert numbers == list(range(1, len(numbers) + 1)), player.name
        await player.close()


async def test_reach_follows_moves_and_poses_show_in_look(start_system: Any, players: Any) -> None:
    system = start(start_system)
    alice = await join(system, players, "Alice")
    bob = await join(system, players, "Bob")
    carol = await join(system, players, "Carol")

    await walk(bob, "north")
    await alice.run("say", "where-did-bob-go")
    await alice.run("local", "square-only")
    await settled(bob)
    assert chats(bob) == [], "a listener who left hears neither the room nor the sub-zone"

    await walk(alice, "north")  # the speaker moves: her say now reaches Bob, not Carol
    await alice.run("say", "found-you")
    await bob.event("chat_message", message="found-you")
    await settled(carol)
    assert "found-you" not in [c["message"] for c in chats(carol)]
    assert [c["message"] for c in chats(carol)] == ["where-did-bob-go", "square-only"]

    posed = await bob.run("pose", "leans", "on", "a", "lamp-post,", "reading.")
    assert (
        posed["success"]
        and posed["result"] == f"Your pose: {bob.name} leans on a lamp-post, reading."
    )
    room = (await alice.run("look"))["result"]
    assert f"{bob.name} leans on a lamp-post, reading." in room
    assert (await alice.run("look", bob.name))["result"] == (
        f"{bob.name}\n{bob.name} leans on a lamp-post, reading."
    )
    assert (await bob.run("pose"))["result"] == "You drop your pose."
    assert "lamp-post" not in (await alice.run("look"))["result"]

    who = (await carol.run("who"))["result"]
    assert who.startswith("Players online (3):")
    listed = re.findall(r"^  (\S+) .*- (.+)$", who, re.MULTILINE)
    assert [name for name, _ in listed] == sorted([alice.name, bob.name, carol.name], key=str.lower)
    assert f"  {carol.name} - Independence Square, Downtown Arkham" in who
    assert f"  {bob.name} - " in who and "Miskatonic University" in who
    me = (await carol.run("whoami"))["result"]
    assert f"You are {carol.name}, a player." in me and "Independence Square" in me
    for player in (alice, bob, carol):
        await player.close()


async def test_refusals_and_rate_limits(start_system: Any, players: Any) -> None:
    system = start(start_system, GAME_CHAT_SAY_PER_MINUTE="3", GAME_CHAT_WHISPER_PER_MINUTE="1")
    alice = await join(system, players, "Alice")
    bob = await join(system, players, "Bob")

    for i in range(3):
        assert (await alice.run("say", f"line-{i}"))["success"]
    refused = await alice.run("say", "line-3")
    assert refused["success"] is False
    assert re.search(r"slow down and try again in \d+ seconds?\.", refused["result"])
    assert (await alice.run("emote", "waits."))["success"], "each channel has its own limit"
    assert (await bob.run("say", "my-turn"))["success"], "each player has their own limit"
    assert (await alice.run("whisper", bob.name, "w1"))["success"]
    assert "slow down" in (await alice.run("whisper", bob.name, "w2"))["result"]
    await settled(bob)
    assert [c["message"] for c in chats(bob) if c["channel"] == "say"] == [
        "line-0",
        "line-1",
        "line-2",
    ]
    assert [c["message"] for c in chats(bob) if c["channel"] == "whisper"] == ["w1"]

    for command, args, words in [
        ("say", [], "Say what?"),
        ("whisper", ["Nobody123", "hi"], "no one called 'Nobody123' online"),
        ("whisper", [alice.name, "hi"], "murmur"),
        ("reply", ["hi"], "Nobody has whispered to you yet"),
        ("local", [], "Usage: local"),
        ("global", ["x" * 600, "y" * 600], "at most 1000 characters"),
        ("xyzzy", [], "Unknown command"),
    ]:
        response = await alice.run(command, *args)
        assert response["success"] is False and words in response["result"], (command, response)
    await settled(bob)
    assert len(chats(bob)) == 5  # three says, one emote, one whisper: nothing more
    for player in (alice, bob):
        await player.close()
