"""NPCs and fights over WebSocket, as players see them: a creature an admin calls forth
appears in the room's list (game_state, room_update) and in look; a fight is read by
the fighter and by an onlooker, each in their own words; a kill gives XP; flee."""

from __future__ import annotations

from typing import Any

import pytest
from test_gameplay_support import BOTH_MODES, QUAD, START, grant_admin, join, settled, start, walk

CAT_DESCRIPTION = (
    "A lean grey tom with a torn ear and fish scales stuck to his whiskers. He watches you "
    "with the particular patience of an animal that has seen what comes up out of the river "
    "at night and has decided not to mind."
)


def npc_names(room: dict[str, Any]) -> list[str]:
    return [npc["name"] for npc in room["npcs"]]


async def test_a_creature_called_forth_is_seen_in_the_room(start_system: Any, players: Any) -> None:
    system = start(start_system)
    admin = await join(system, players, "Ada")
    admin = await grant_admin(system, players, admin.name)
    bob = await join(system, players, "Bob")
    [bob_state] = [m for m in bob.received if m["event_type"] == "game_state"]
    assert bob_state["data"]["room"]["npcs"] == []

    called = await admin.run("spawn", "stray-cat")
    assert called == {**called, "success": True, "result": "You call forth a stray cat."}
    entered = await bob.event("npc_entered", prototype="stray-cat")
    assert entered["room_id"] == START
    data = entered["data"]
    assert data["npc_id"].startswith("npc-") and data["npc_name"] == "a stray cat"
    assert (data["reason"], data["direction"]) == ("spawned", None)
    assert data["text"] == "A stray cat slinks out from under a fish stall."
    await admin.event("npc_entered", npc_id=data["npc_id"])  # the admin's room sees it too

    # look: the room lists it; look <creature> describes it.
    room = (await bob.run("look"))["result"].splitlines()
    assert "Creatures: a stray cat" in room
    assert room[room.index("Creatures: a stray cat") - 1].startswith("Here: ")
    cat = await bob.run("look", "cat")
    assert cat["success"] and cat["result"] == f"a stray cat\n{CAT_DESCRIPTION}\nIt looks unhurt."

    # Someone logging in here gets it in game_state; a player walking back in, in room_update.
    carol = await join(system, players, "Carol")
    [state] = [m for m in carol.received if m["event_type"] == "game_state"]
    assert state["data"]["room"]["npcs"] == [
        {"id": data["npc_id"], "prototype": "stray-cat", "name": "a stray cat"}
    ]
    assert sorted(state["data"]["room"]["occupants"]) == sorted([admin.name, bob.name, carol.name])
    await walk(bob, "north")
    quad = [m for m in bob.received if m["event_type"] == "room_update"][-1]["data"]["room"]
    assert quad["id"] == QUAD and npc_names(quad) == []
    await walk(bob, "south")
    back = [m for m in bob.received if m["event_type"] == "room_update"][-1]["data"]["room"]
    assert back["id"] == START and npc_names(back) == ["a stray cat"]

    nothing = await admin.run("spawn", "shoggoth")
    assert nothing["result"] == "There is no item or creature called 'shoggoth'."
    await settled(bob, carol)


FIGHT_ENV = {
    "GAME_TICK_SECONDS": "0.2",
    "GAME_COMBAT_ROUND_TICKS": "2",
    "GAME_FLEE_CHANCE": "1",
    # Nobody here is started on by a hostile creature: the fights are the players' own.
    "GAME_ARRIVAL_WARD_SECONDS": "600",
}


def combat_texts(player: Any) -> list[str]:
    return [m["data"]["text"] for m in player.received if m["event_type"] == "combat_event"]


@pytest.mark.parametrize(*BOTH_MODES)
async def test_a_fight_read_by_the_fighter_and_an_onlooker_a_kill_and_a_flight(
    mode: str, start_system: Any, players: Any
) -> None:
    system = start(start_system, mode, **FIGHT_ENV)
    admin = await join(system, players, "Ada")
    admin = await grant_admin(system, players, admin.name)
    bob = await join(system, players, "Bob")
    carol = await join(system, players, "Carol")
    assert (await admin.run("spawn", "stray-cat"))["success"]
    cat = (await bob.event("npc_entered", prototype="stray-cat"))["data"]["npc_id"]

    attacked = await bob.run("attack", "cat")
    assert attacked["success"] and attacked["result"] == "You attack a stray cat!"
    await carol.event("npc_left", npc_id=cat, reason="died")
    await bob.event("combat_event", kind="end")
    # The standard investigator punches for 2; the cat (DEX 80) scratches first in a round.
    assert combat_texts(bob) == [
        "You punch a stray cat for 2 damage. (1/3 DP)",
        "A stray cat scratches you for 1 damage. (19/20 DP)",
        "You punch a stray cat for 2 damage. (0/3 DP)",
        "A stray cat dies. You gain 1 experience.",
        "The fight is over.",
    ]
    assert combat_texts(carol) == [
        f"{bob.name} attacks a stray cat!",
        f"{bob.name} punches a stray cat for 2 damage. (1/3 DP)",
        f"A stray cat scratches {bob.name} for 1 damage. (19/20 DP)",
        f"{bob.name} punches a stray cat for 2 damage. (0/3 DP)",
        "A stray cat dies.",
    ]
    hits = [
        m["data"]
        for m in carol.received
        if m["event_type"] == "combat_event" and m["data"]["kind"] == "hit"
    ]
    assert [(h["actor"]["kind"], h["target"]["kind"], h["round"]) for h in hits] == [
        ("player", "npc", 0),
        ("npc", "player", 1),
        ("player", "npc", 1),
    ]
    death = [m for m in bob.received if m["event_type"] == "combat_event"][-2]["data"]
    assert (death["kind"], death["xp"], death["actor"]["name"]) == ("death", 1, bob.name)
    # The tick's status_update comes after its other events.
    status = (
        await bob.wait_for(
            lambda m: m["event_type"] == "status_update" and m["data"]["changes"].get("xp"),
            what="the status_update of the kill",
        )
    )["data"]
    assert status["status"]["xp"] == 1 and status["status"]["dp"] == 19
    assert status["status"]["in_combat"] is False and status["changes"]["xp"] == 1
    assert "Experience: 1" in (await bob.run("status"))["result"]

    # A fight one flees: the onlooker reads the flight, then sees the fighter go.
    assert (await admin.run("spawn", "deep-one"))["success"]
    await bob.event("npc_entered", prototype="deep-one")
    assert (await bob.run("attack", "deep"))["success"]
    assert "(fighting)" in (await carol.run("who"))["result"]
    refused = await bob.run("north")
    assert refused == {**refused, "success": False, "result": "You are fighting! Flee first."}
    fled = await bob.run("flee")
    assert fled["success"] and fled["result"].startswith("You flee ")
    direction = fled["result"].split("\n")[0].removeprefix("You flee ").rstrip("!")
    flight = await carol.event("combat_event", kind="flee")
    assert flight["data"]["text"] == f"{bob.name} flees {direction}!"
    assert flight["data"]["direction"] == direction
    carol_seen = [m["event_type"] for m in carol.received]
    assert carol_seen.index("player_left") > carol_seen.index("combat_event")
    await bob.wait_for(
        lambda m: m["event_type"] == "status_update" and not m["data"]["status"]["in_combat"],
        what="in_combat false",
    )
    assert (await bob.run("flee"))["result"] == "You are not fighting anyone."
    purged = await admin.run("purge")
    # The square's spawn rule keeps a newspaper on its floor: a thing purged too.
    assert purged["result"] == "You purge the room: 1 creatures and 1 things are gone."
    await carol.event("npc_left", reason="purged", text="A deep one is gone.")
    await settled(bob, carol)


async def test_falling_bleeding_aid_death_respawn_and_a_hostile_creature(
    start_system: Any, players: Any
) -> None:
    system = start(
        start_system,
        GAME_TICK_SECONDS="0.2",
        GAME_BLEED_TICKS="2",
        GAME_ARRIVAL_WARD_SECONDS="1",
        GAME_COMBAT_ROUND_TICKS="50",
    )
    admin = await join(system, players, "Ada")
    admin = await grant_admin(system, players, admin.name)
    bob = await join(system, players, "Bob")
    carol = await join(system, players, "Carol")

    # Felled by an admin: the room sees the fall, and Bob bleeds on the clock.
    assert (await admin.run("setstat", bob.name, "dp", "0"))["success"]
    fall = await carol.event("combat_event", kind="fall")
    assert fall["data"]["text"] == f"{bob.name} collapses, bleeding!"
    bled = await bob.wait_for(
        lambda m: m["event_type"] == "status_update" and m["data"]["reason"] == "bleeding",
        what="a bleeding status_update",
    )
    assert bled["data"]["text"] == "You are bleeding. (-1/20 DP)"
    stuck = await bob.run("north")
    assert stuck["result"] == "You are bleeding and can barely move. Someone must 'aid' you."

    # Carol binds his wounds; Ada reads it as narration.
    aided = await carol.run("aid", bob.name)
    assert aided["success"] and aided["result"] == f"You bind {bob.name}'s wounds. They will live."
    told = await bob.wait_for(
        lambda m: m["event_type"] == "status_update" and m["data"]["reason"] == "aid",
        what="the aid status_update",
    )
    assert told["data"]["text"] == f"{carol.name} binds your wounds. (1/20 DP)"
    assert told["data"]["status"]["condition"] == "healthy"
    line = await admin.event("room_message", kind="aid")
    assert line["data"]["text"] == f"{carol.name} binds {bob.name}'s wounds."

    # Killed outright: everyone here reads it; Bob comes back at the sanitarium.
    assert (await bob.run("respawn"))["result"] == "You are not dead."
    assert (await admin.run("setstat", bob.name, "dp", "-10"))["success"]
    died = await carol.event("combat_event", kind="death")
    assert died["data"]["text"] == f"{bob.name} has died."
    assert (await bob.event("combat_event", kind="death"))["data"]["text"] == "You have died."
    back = await bob.run("respawn")
    assert back["success"]
    assert back["result"].startswith("You come to in Sanitarium Lobby, alive.\n")
    lobby = [m for m in bob.received if m["event_type"] == "room_update"][-1]["data"]["room"]
    assert lobby["id"] == "sanitarium-lobby"
    await carol.event("player_left", player_name=bob.name)
    revived = [m["data"] for m in bob.received if m["event_type"] == "status_update"][-1]
    assert revived["reason"] == "respawn" and revived["status"]["dp"] == 20

    # A hostile creature starts on the one character here past their ward, never the admin.
    assert (await admin.run("spawn", "ghoul"))["success"]
    lunge = await carol.event("combat_event", kind="engage")
    assert lunge["data"]["text"] == "A ghoul lunges at you!"
    seen = await admin.event("combat_event", kind="engage")
    assert seen["data"]["text"] == f"A ghoul lunges at {carol.name}!"
    assert seen["data"]["actor"]["kind"] == "npc" and seen["data"]["target"]["name"] == carol.name
    assert (await admin.run("purge"))["success"]
    await carol.event("combat_event", kind="end", reason="gone")
    await settled(bob, carol)
