"""NPCs and fights over WebSocket, as players see them: a creature an admin calls forth
appears in the room's list (game_state, room_update) and in look; a fight is read by
the fighter and by an onlooker, each in their own words; a kill gives XP; flee."""

from __future__ import annotations

from typing import Any

from test_gameplay_support import QUAD, START, grant_admin, join, settled, start, walk

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
