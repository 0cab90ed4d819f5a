"""Lucidity over WebSocket: chat as each troubled mind hears it, meditate and its
cooldown, catatonia, ground, and the sanitarium. Chance effects always fire
(``GAME_LUCIDITY_RANDOM_EFFECTS=always``); an admin sets lucidity with ``setstat``."""

from __future__ import annotations

import re
import signal
from typing import Any

import pytest
from test_gameplay_support import (
    BOTH_MODES,
    START,
    chats,
    continued,
    grant_admin,
    join,
    restart_game,
    settled,
    start,
    state_after_kill,
)

GLYPH = " \u2736"


def fresh(*players: Any) -> None:
    """Forget what they received so far: the next ``event`` waits for a new one."""
    for player in players:
        player.received.clear()


async def set_lucidity(admin: Any, player: Any, value: int) -> None:
    response = await admin.run("setstat", player.name, "lcd", str(value))
    assert response["success"], response
    await player.event("status_update", reason="admin")


def lines_from(player: Any, speaker: Any) -> list[dict[str, Any]]:
    return [c for c in chats(player) if c["player_name"] == speaker.name]


# The next three tests share one system (they neither restart nor kill anything): each
# brings its own players, and each reads only what its own players said or did.
async def test_each_listener_hears_chat_as_their_own_mind_bends_it(
    shared_system: Any, players: Any
) -> None:
    system = start(shared_system, GAME_LUCIDITY_RANDOM_EFFECTS="always")
    boss = await join(system, players, "Boss")
    boss = await grant_admin(system, players, boss.name)
    ada = await join(system, players, "Ada")
    bob = await join(system, players, "Bob")  # fractured: hears lines muffled
    cy = await join(system, players, "Cy")  # deranged: hears words swapped in pairs
    di = await join(system, players, "Di")  # lucid: hears the line as said
    await set_lucidity(boss, bob, 30)
    await set_lucidity(boss, cy, 10)

    fresh(bob, cy, di)
    said = await ada.run("say", 'Wait, "who" goes there?')
    assert said["result"] == 'You say: Wait, "who" goes there?'
    await settled(bob, cy, di)
    (heard,) = lines_from(bob, ada)  # a copy of their own, and only that one
    assert (heard["message"], heard["text"], heard["distortion"]) == (
        "Wait who goes there",
        f"{ada.name} says: Wait who goes there",
        ["muffled"],
    )
    (heard,) = lines_from(cy, ada)
    assert heard["text"] == f'{ada.name} says: "who" Wait, there? goes'
    assert heard["distortion"] == ["scrambled"]
    (heard,) = lines_from(di, ada)
    assert heard["text"] == f'{ada.name} says: Wait, "who" goes there?'
    assert heard["distortion"] == []

    # A fractured speaker's line gains a glyph for everyone, the speaker included.
    await set_lucidity(boss, ada, 25)
    fresh(bob, di)
    said = await ada.run("say", "Hello.")
    assert said["result"] == f"You say: Hello.{GLYPH}"
    await settled(bob, di)
    (heard,) = lines_from(di, ada)
    assert (heard["text"], heard["distortion"]) == (f"{ada.name} says: Hello.{GLYPH}", ["glyph"])
    (heard,) = lines_from(bob, ada)
    assert (heard["text"], heard["distortion"]) == (
        f"{ada.name} says: Hello{GLYPH}",
        ["glyph", "muffled"],
    )

    # An uneasy speaker's whispers are strained.
    await set_lucidity(boss, ada, 50)
    fresh(di)
    said = await ada.run("whisper", di.name, "Follow me.")
    assert said["result"] == f"You whisper to {di.name}: Follow me."
    heard = (await di.event("chat_message", channel="whisper"))["data"]
    assert heard["text"] == f"{ada.name} whispers to you (strained): Follow me."
    assert heard["distortion"] == ["strained"]


async def test_meditate_gains_lucidity_then_waits_out_its_cooldown(
    shared_system: Any, players: Any
) -> None:
    system = start(shared_system, GAME_LUCIDITY_RANDOM_EFFECTS="always")
    boss = await join(system, players, "Boss")
    boss = await grant_admin(system, players, boss.name)
    ada = await join(system, players, "Ada")
    await set_lucidity(boss, ada, 80)

    fresh(ada, boss)
    response = await ada.run("meditate")
    assert response == {
        **response,
        "success": True,
        "result": "You sit and breathe until the world holds still. (+6 lucidity, 86/100)",
    }
    update = (await ada.event("status_update", reason="meditate"))["data"]
    assert update["changes"] == {"lucidity": 6} and update["status"]["lucidity"] == 86
    seen = (await boss.event("room_message", kind="meditate"))["data"]
    assert seen["text"] == f"{ada.name} sits very still, breathing slowly."

    again = await ada.run("meditate")
    assert (again["success"], again["result"]) == (
        False,
        "You cannot find that calm again yet. Try again in 10 minutes.",
    )
    pray = await ada.run("pray")
    assert pray["result"] == "There is no holy place here to pray in."


async def test_catatonia_locks_a_character_out_until_another_grounds_them(
    shared_system: Any, players: Any
) -> None:
    system = start(shared_system, GAME_LUCIDITY_RANDOM_EFFECTS="always")
    boss = await join(system, players, "Boss")
    boss = await grant_admin(system, players, boss.name)
    ada = await join(system, players, "Ada")
    bob = await join(system, players, "Bob")

    fresh(ada, bob, boss)
    await set_lucidity(boss, ada, 0)
    rigid = (await bob.event("room_message", kind="catatonic"))["data"]
    assert rigid["text"] == f"{ada.name} goes rigid, staring at nothing."
    update = (await ada.event("status_update", reason="admin"))["data"]
    assert update["status"]["tier"] == "catatonic"
    assert update["tier_changed"] == {"from": "lucid", "to": "catatonic"}
    assert update["text"].endswith("Your mind withdraws into the dark; you are catatonic.")

    locked = await ada.run("say", "help")
    assert (locked["success"], locked["result"]) == (
        False,
        "Your body will not answer you. Someone must 'ground' you.",
    )
    assert (await ada.run("status"))["success"]
    assert (await bob.run("ground", boss.name))["result"] == f"{boss.name} is not lost in the dark."

    fresh(ada, boss)
    grounded = await bob.run("ground", ada.name)
    assert grounded["result"] == f"You take {ada.name}'s hands and talk them back to the world."
    update = (await ada.event("status_update", reason="ground"))["data"]
    assert update["status"]["lucidity"] == 1 and update["status"]["tier"] == "deranged"
    assert update["text"] == (
        f"{bob.name}'s voice reaches you through the dark. You are back, barely. (1/100)\n"
        "Reason slips its moorings; you are deranged."
    )
    seen = (await boss.event("room_message", kind="ground"))["data"]
    assert seen["text"] == f"{bob.name} grounds {ada.name}; the blankness leaves {ada.name}'s eyes."
    assert (await ada.run("say", "thank you"))["success"]

    # At -100 the orderlies carry one to the sanitarium's ward, at 1.
    await set_lucidity(boss, ada, 100)
    fresh(ada, bob)
    await boss.run("setstat", ada.name, "lcd", "-100")
    carried = (await bob.event("room_message", kind="asylum"))["data"]
    assert carried["text"] == f"Orderlies in white come and carry {ada.name} away."
    await bob.event("player_left", player_name=ada.name)
    room = (await ada.event("room_update"))["data"]["room"]
    assert room["id"] == "sanitarium-ward" and room["id"] != START
    update = (await ada.event("status_update", reason="asylum"))["data"]
    assert update["status"]["lucidity"] == 1
    assert update["tier_changed"] == {"from": "lucid", "to": "deranged"}
    assert update["text"] == (
        "You wake in a narrow iron bed in the sanitarium's east ward. (1/100)\n"
        "Reason slips its moorings; you are deranged."
    )


@pytest.mark.parametrize(*BOTH_MODES)
async def test_lucidity_and_a_ritual_cooldown_outlive_a_killed_game(
    mode: str, start_system: Any, players: Any
) -> None:
    system = start(start_system, mode)
    boss = await join(system, players, "Boss")
    boss = await grant_admin(system, players, boss.name)
    ada = await join(system, players, "Ada")
    await set_lucidity(boss, ada, 50)
    assert (await ada.run("meditate"))["success"]

    fresh(ada)
    [ada] = await restart_game(system, players, signal.SIGKILL, ada)
    ada, resync = await state_after_kill(system, players, ada)
    status = resync["data"]["character"]["status"]
    assert (status["lucidity"], status["tier"]) == (56, "uneasy")
    again = await ada.run("meditate")  # the cooldown is an absolute time, stored
    wait = re.fullmatch(
        r"You cannot find that calm again yet\. Try again in (\d+) minutes\.", again["result"]
    )
    # 600 s from the meditation, less what the restart took (rounded up to minutes).
    assert again["success"] is False and wait is not None and 8 <= int(wait[1]) <= 10, again


async def test_the_chat_history_keeps_the_speakers_glyph_across_a_killed_game(
    start_system: Any, players: Any
) -> None:
    system = start(start_system, GAME_LUCIDITY_RANDOM_EFFECTS="always")
    boss = await join(system, players, "Boss")
    boss = await grant_admin(system, players, boss.name)
    ada = await join(system, players, "Ada")
    await set_lucidity(boss, ada, 25)  # fractured: her lines gain a glyph
    said = await ada.run("global", "The stars are right.")
    assert said["result"] == f"[global] {ada.name}: The stars are right.{GLYPH}"

    def kept(player: Any) -> list[tuple[str, list[str]]]:
        return [(c["message"], c["distortion"]) for c in lines_from(player, ada) if c["history"]]

    # Bob is fractured too, but a listener's own effects are never part of the history.
    bob = await join(system, players, "Bob")
    await set_lucidity(boss, bob, 30)
    assert kept(bob) == [(f"The stars are right.{GLYPH}", ["glyph"])]

    # After a kill -9 the history is read back from the database, distortion and all.
    seen = len(bob.received)
    old = system.signal("game", signal.SIGKILL)
    await system.wait_restarted("game", old)
    await continued(bob, since=seen)
    cy = await join(system, players, "Cy")
    await cy.event("chat_message", message=f"The stars are right.{GLYPH}")
    assert kept(cy) == [(f"The stars are right.{GLYPH}", ["glyph"])]
