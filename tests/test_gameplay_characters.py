"""Characters over WebSocket: the standard investigator of a first login, its status."""

from __future__ import annotations

import signal
from typing import Any

import pytest
from test_gameplay_support import (
    BOTH_MODES,
    QUAD,
    START,
    grant_admin,
    join,
    restart_game,
    start,
)

STANDARD_STATUS = {
    "dp": 20,
    "max_dp": 20,
    "mp": 10,
    "max_mp": 10,
    "lucidity": 100,
    "max_lucidity": 100,
    "tier": "lucid",
    "condition": "healthy",
    "in_combat": False,
    "xp": 0,
}
STANDARD = {k: 50 for k in ("str", "con", "siz", "dex", "cha", "int", "pow", "edu", "luck")}


def fresh(player: Any) -> None:
    """Forget what ``player`` received so far: the next ``event`` waits for a new one."""
    player.received.clear()


# This test and the next share one system (neither restarts anything): each brings its
# own players and reads only what they received.
async def test_a_first_login_plays_the_standard_investigator(
    shared_system: Any, players: Any
) -> None:
    system = start(shared_system)
    ada = await join(system, players, "Ada")
    state = (await ada.event("game_state"))["data"]
    assert state["player"]["name"] == ada.name
    assert state["character"] == {
        "profession": "drifter",
        "characteristics": STANDARD,
        "status": STANDARD_STATUS,
        # Nothing carried, and the standard investigator's 35 lb.
        "inventory": {
            "carried": [],
            "worn": {},
            "weight": 0,
            "max_weight": 35,
            "things": 0,
            "max_things": 20,
        },
    }

    for word in ("status", "score", "sheet"):
        fresh(ada)
        response = await ada.run(word)
        assert response["success"] and response["result"].splitlines()[:2] == [
            f"{ada.name}, drifter",
            "STR 50  CON 50  SIZ 50  DEX 50  CHA 50  INT 50  POW 50  EDU 50  LUCK 50",
        ]
        kinds = [m["event_type"] for m in ada.received]
        assert kinds[-2:] == ["status_update", "command_response"], kinds
        update = ada.received[-2]["data"]
        assert update == {
            "status": STANDARD_STATUS,
            "changes": {},
            "tier_changed": None,
            "reason": "requested",
            "text": None,
        }


async def test_what_a_bleeding_character_may_do(shared_system: Any, players: Any) -> None:
    system = start(shared_system)
    ada = await join(system, players, "Ada")
    boss = await join(system, players, "Boss")
    boss = await grant_admin(system, players, boss.name)
    fresh(ada)
    done = await boss.run("setstat", ada.name, "dp", "0")
    assert done["result"] == f"Set {ada.name}'s determination to 0 (was 20)."
    update = (await ada.event("status_update"))["data"]
    assert update["reason"] == "admin" and update["changes"] == {"dp": -20}
    assert update["status"]["condition"] == "bleeding"
    fall = (await ada.event("combat_event", kind="fall"))["data"]
    assert fall["text"] == "You collapse, bleeding. Without help you will die."
    notice = await ada.event("chat_message", channel="system")
    assert notice["data"]["text"] == f"[system] {boss.name} adjusts your determination."

    refused = await ada.run("north")
    assert refused == {
        **refused,
        "success": False,
        "result": "You are bleeding and can barely move. Someone must 'aid' you.",
    }
    assert (await ada.run("say", "help"))["success"], "the bleeding can still speak"
    assert (await ada.run("status"))["success"]
    assert (await ada.run("play", ada.name))["result"] == f"You are already playing {ada.name}."
    assert "Usable while fighting or bleeding." in (await ada.run("help", "say"))["result"]


@pytest.mark.parametrize(*BOTH_MODES)
async def test_create_play_and_delete_characters_and_they_survive_a_restart(
    mode: str, start_system: Any, players: Any
) -> None:
    system = start(start_system, mode)
    ada = await join(system, players, "Ada")
    bob = await join(system, players, "Bob")
    first_state = (await ada.event("game_state"))["data"]
    first_id = first_state["player"]["id"]
    second = f"{ada.name}_2"

    # roll: the roll event, then the response; it is the pending roll.
    fresh(ada)
    rolled = await ada.run("roll", "4d6")
    roll_event = await ada.event("character_roll")
    assert [m["event_type"] for m in ada.received][-2:] == ["character_roll", "command_response"]
    values = roll_event["data"]["characteristics"]
    assert rolled["result"].splitlines()[0] == "You roll (4d6): " + " ".join(
        f"{k.upper()} {v}" for k, v in values.items()
    )
    assert roll_event["data"]["method"] == "4d6" and "drifter" in roll_event["data"]["professions"]
    bad = await ada.run("roll", "5d6")
    assert bad == {**bad, "success": False, "result": "Unknown method '5d6'. Methods: 3d6, 4d6."}
    assert "professor - needs INT 60, EDU 65" in (await ada.run("professions"))["result"]

    # create: a name in use (any case) is refused; then the character is made.
    taken = await ada.run("create", bob.name.upper(), "drifter")
    assert taken["result"] == f"The name '{bob.name.upper()}' is already taken."
    fresh(ada)
    made = await ada.run("create", second, "drifter")
    assert made["result"] == f"You create {second}, a Drifter. Type 'play {second}' to become them."
    listed = (await ada.event("character_list"))["data"]
    assert listed["max"] == 3
    assert [(c["name"], c["playing"], c["room_id"]) for c in listed["characters"]] == [
        (ada.name, True, START),
        (second, False, None),
    ]
    again = await ada.run("create", second, "drifter")
    assert again["result"] == "You have no roll to keep. Type 'roll' first."
    listing = (await ada.run("chars"))["result"].splitlines()
    assert listing == [
        "Your characters (2 of 3):",
        f"  {ada.name} - drifter - Independence Square, Downtown Arkham (playing)",
        f"  {second} - drifter - not yet in the world",
    ]

    # play: Bob sees the old character leave and the new one arrive; Ada's stream starts
    # again (a new epoch: game_state first, then the response).
    old_epoch = first_state["epoch"]
    fresh(ada)
    fresh(bob)
    switched = await ada.run("play", second.lower())
    assert switched["result"] == f"You are now playing {second}."
    state = ada.received[0]
    assert state["event_type"] == "game_state" and state["sequence_number"] == 1
    assert state["data"]["epoch"] != old_epoch and state["data"]["resync"] is False
    second_id = state["data"]["player"]["id"]
    assert state["data"]["player"]["name"] == second and second_id != first_id
    assert state["data"]["room"]["id"] == START
    left = await bob.event("player_left", player_name=ada.name)
    entered = await bob.event("player_entered", player_name=second)
    assert (left["data"]["player_id"], entered["data"]["player_id"]) == (first_id, second_id)
    assert f"  {second} - " in (await bob.run("who"))["result"]
    assert (await bob.run("whisper", second, "welcome"))["success"]
    line = await ada.event("chat_message", message="welcome")
    assert line["data"]["text"] == f"{bob.name} whispers to you: welcome"
    assert (await ada.run("play", second))["result"] == f"You are already playing {second}."

    # chardelete: never the one played; otherwise gone, and its name free.
    assert (await ada.run("chardelete", second, "confirm"))["result"] == (
        "You cannot delete the character you are playing."
    )
    assert (await ada.run("chardelete", ada.name))["result"] == (
        f"This cannot be undone. Type 'chardelete {ada.name} confirm' to delete {ada.name}."
    )
    gone = await ada.run("chardelete", ada.name, "confirm")
    assert gone["result"] == f"{ada.name} is gone. Their name is free again."
    assert (await ada.run("chars"))["result"].splitlines()[0] == "Your characters (1 of 3):"
    assert (await ada.run("north"))["success"]

    # A graceful restart of the game: everything stored comes back.
    ada, bob = await restart_game(system, players, signal.SIGTERM, ada, bob)
    command_id = await ada.send("status")
    answer = await ada.wait_for(
        lambda m: m["data"].get("command_id") == command_id, timeout=60, what="status"
    )
    assert answer["data"]["result"].splitlines()[0] == f"{second}, drifter"
    listing = (await ada.run("characters"))["result"].splitlines()
    assert listing == [
        "Your characters (1 of 3):",
        f"  {second} - drifter - Miskatonic University Quad, Miskatonic University (playing)",
    ]
    # The deleted character's name is free for anyone.
    assert (await bob.run("roll"))["success"]
    assert (await bob.run("create", ada.name, "drifter"))["success"]

    # A new login plays the character last played, where it stood.
    assert (await ada.run("quit"))["success"]
    ada = await join(system, players, ada.name, register=False)
    state = (await ada.event("game_state"))["data"]
    assert state["player"] == {"id": second_id, "name": second}
    assert state["room"]["id"] == QUAD
