"""Admin commands over WebSocket: refused without the role (checked by the server, from
the token), and with it: status, teleport/goto/summon seen as walking, broadcast, mute
and unmute, kick. And quit, which ends a session at once."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from test_gameplay_support import (
    QUAD,
    START,
    chats,
    grant_admin,
    join,
    settled,
    start,
)

ADMIN_TRIES = [
    ("teleport", "{target}", QUAD),
    ("goto", "{target}"),
    ("summon", "{target}"),
    ("mute", "{target}"),
    ("unmute", "{target}"),
    ("kick", "{target}"),
    ("broadcast", "hello"),
    ("admin", "status"),
]


async def closed(player: Any, timeout: float = 10.0) -> int | None:
    async with asyncio.timeout(timeout):
        while player.close_code is None:
            await asyncio.sleep(0.05)
    return player.close_code


async def test_admin_commands(start_system: Any, players: Any) -> None:
    system = start(start_system)
    ada = await join(system, players, "Ada")
    bob = await join(system, players, "Bob")
    carol = await join(system, players, "Carol")

    for command, *args in ADMIN_TRIES:
        response = await bob.run(command, *(a.format(target=carol.name) for a in args))
        assert response["success"] is False, command
        assert response["result"] == f"Only admins may use '{command}'.", response
    await settled(carol, ada)
    assert not [m for m in carol.received if m["event_type"] in ("room_update", "disconnect")]
    assert chats(carol) == [] and chats(ada) == [] and carol.close_code is None
    assert "action=kick allowed=no" in system.log_text()

    old = ada
    ada = await grant_admin(system, players, ada.name)
    assert await closed(old) == 4001  # the new login replaced the old connection
    status = (await ada.run("admin", "status"))["result"]
    assert "Players online: 3 (0 link-dead, 0 muted)" in status
    assert re.search(r"Rooms occupied: 1 of \d+", status) and "Uptime:" in status
    assert "Admin:" in (await ada.run("help"))["result"]

    # teleport: the rooms see Carol leave and arrive as if she walked; she is told who.
    moved = await ada.run("teleport", carol.name, QUAD)
    assert (
        moved["success"]
        and moved["result"] == f"{carol.name} is now in Miskatonic University Quad ({QUAD})."
    )
    await bob.event("player_left", player_name=carol.name)
    update = await carol.event("room_update")
    assert update["data"]["room"]["id"] == QUAD
    notice = await carol.event("chat_message", channel="system")
    assert notice["data"]["text"] == f"[system] {ada.name} moves you to Miskatonic University Quad."

    # goto: Ada arrives in Carol's room; summon: Ada brings Bob there too.
    assert (await ada.run("goto", carol.name))["success"]
    await carol.event("player_entered", player_name=ada.name)
    assert (await ada.run("summon", bob.name))["success"]
    await carol.event("player_entered", player_name=bob.name)
    assert (await bob.event("room_update"))["data"]["room"]["id"] == QUAD
    assert (await bob.event("chat_message", channel="system"))["data"]["message"] == (
        f"{ada.name} summons you."
    )
    assert (await ada.run("goto", START))["success"]
    await bob.event("player_left", player_name=ada.name)

    # broadcast: everyone, the admin included, gets one system line.
    said = await ada.run("broadcast", "The", "library", "closes", "at", "midnight.")
    assert said["success"] and "Broadcast to 3 players" in said["result"]
    for player in (ada, bob, carol):
        got = await player.event("chat_message", message="The library closes at midnight.")
        assert got["data"]["channel"] == "system"
        assert got["data"]["text"] == "[system] The library closes at midnight."

    # mute: Bob is told, cannot speak on any channel and is told for how long.
    assert (await ada.run("mute", bob.name, "5"))["result"] == f"{bob.name} is muted for 5 minutes."
    await bob.event(
        "chat_message",
        channel="system",
        text=(f"[system] {ada.name} has muted you for 5 minutes: you cannot speak until then."),
    )
    for command, *args in (("say", "hi"), ("global", "hi"), ("whisper", carol.name, "hi")):
        refused = await bob.run(command, *args)
        assert refused["success"] is False, command
        assert re.search(
            r"You are muted for (5 minutes|4 minutes \d+ seconds) more", refused["result"]
        ), refused
    assert "muted for" in (await bob.run("whoami"))["result"]
    await settled(carol)
    assert not [c for c in chats(carol) if c["player_name"] == bob.name]
    assert "1 muted" in (await ada.run("admin", "status"))["result"]
    assert (await ada.run("unmute", bob.name))["success"]
    assert (await bob.run("say", "free-again"))["success"]
    await carol.event("chat_message", message="free-again")

    # kick: Carol is told why, closed with 4004, and leaves the world at once.
    assert (await ada.run("summon", carol.name))["success"]
    kicked = await ada.run("kick", carol.name, "testing", "kicks")
    assert kicked["success"] and kicked["result"] == f"{carol.name} is removed from the game."
    told = f"{ada.name} has removed you from the game: testing kicks"
    await carol.event("chat_message", channel="system", message=told)
    assert await closed(carol) == 4004
    await ada.event("player_left", player_name=carol.name)
    assert carol.name not in (await ada.run("who"))["result"]

    log = system.log_text()
    for action in ("teleport", "goto", "summon", "broadcast", "mute", "unmute", "kick"):
        assert re.search(rf"admin action={action} allowed=yes actor={ada.name} ", log), action
    for player in (ada, bob):
        await player.close()


async def test_quit_ends_the_session_at_once(start_system: Any, players: Any) -> None:
    system = start(start_system)
    alice = await join(system, players, "Alice")
    bob = await join(system, players, "Bob")
    response = await bob.run("quit")
    assert response["success"] and "Goodbye" in response["result"]
    assert await closed(bob) == 1000
    goodbye = [m for m in bob.received if m["event_type"] == "disconnect"]
    assert goodbye[-1]["data"] == {"code": 1000, "reason": "goodbye"}
    await alice.event("player_left", player_name=bob.name)
    who = (await alice.run("who"))["result"]
    assert bob.name not in who and "link-dead" not in who, "no link-dead grace after quit"
    await alice.close()
