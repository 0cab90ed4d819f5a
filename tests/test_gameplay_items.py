"""Items over WebSocket, as players see them: things conjured, picked up, given, dropped,
wielded, worn and used, each seen by the others in the room in their own words; and a
restart of the game in the middle of play (graceful, then killed) that loses no item
and doubles none."""

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
    settled,
    start,
    state_after_kill,
    walk,
)

PAPER = "a copy of the Arkham Advertiser"


def item_events(player: Any, action: str) -> list[dict[str, Any]]:
    return [
        m["data"]
        for m in player.received
        if m["event_type"] == "item_event" and m["data"]["action"] == action
    ]


def last_inventory(player: Any) -> dict[str, Any]:
    updates = [m for m in player.received if m["event_type"] == "inventory_update"]
    assert updates, f"{player.name} got no inventory_update"
    inventory: dict[str, Any] = updates[-1]["data"]["inventory"]
    return inventory


async def slow_run(player: Any, *command: str, timeout: float = 60) -> dict[str, Any]:
    """``run``, waiting as long as a game restarting on a loaded machine may take."""
    command_id = await player.send(*command)
    answer = await player.wait_for(
        lambda m: (
            m["event_type"] == "command_response" and m["data"].get("command_id") == command_id
        ),
        timeout=timeout,
        what=f"the answer to {command}",
    )
    data: dict[str, Any] = answer["data"]
    return data


async def conjure(admin: Any, prototype: str, name: str) -> None:
    conjured = await admin.run("spawn", prototype)
    assert conjured["result"] == f"You conjure {name}.", conjured


@pytest.mark.parametrize(*BOTH_MODES)
async def test_get_give_drop_equip_and_use_between_players(
    mode: str, start_system: Any, players: Any
) -> None:
    system = start(start_system, mode)
    ada = await join(system, players, "Ada")
    ada = await grant_admin(system, players, ada.name)
    bob = await join(system, players, "Bob")
    cyd = await join(system, players, "Cyd")
    [state] = [m for m in bob.received if m["event_type"] == "game_state"]
    assert [i["name"] for i in state["data"]["room"]["items"]] == [PAPER]
    assert state["data"]["character"]["inventory"] == {
        "carried": [],
        "worn": {},
        "weight": 0,
        "max_weight": 35,
        "things": 0,
        "max_things": 20,
    }

    # Ada conjures a lantern: the others see it appear, with her as the actor.
    await conjure(ada, "brass-lantern", "a brass lantern")
    appeared = await bob.event("item_event", action="spawn")
    assert appeared["data"]["text"] == "A brass lantern appears."
    assert appeared["data"]["actor"]["name"] == ada.name
    lantern = appeared["data"]["item"]
    assert (lantern["prototype"], lantern["name"], lantern["weight"]) == (
        "brass-lantern",
        "a brass lantern",
        3,
    )

    # Bob picks it up: his inventory_update comes before his response; the others see it.
    command_id = await bob.send("get", "lantern")
    taken = await bob.response(command_id)
    assert taken == {**taken, "success": True, "result": "You pick up a brass lantern."}
    kinds = [(m["event_type"], m["data"].get("command_id")) for m in bob.received]
    assert kinds.index(("inventory_update", None)) < kinds.index(("command_response", command_id))
    assert [i["id"] for i in last_inventory(bob)["carried"]] == [lantern["id"]]
    for onlooker in (ada, cyd):
        seen = await onlooker.event("item_event", action="get")
        assert seen["data"]["text"] == f"{bob.name} picks up a brass lantern."
        assert seen["data"]["item"]["id"] == lantern["id"]
    assert not item_events(bob, "get"), "the actor reads the response, not the event"

    # Bob gives it to Ada: she reads her line, Cyd the room's; the item keeps its id.
    given = await bob.run("give", "lantern", "to", ada.name)
    assert given["result"] == f"You give a brass lantern to {ada.name}."
    to_ada = await ada.event("item_event", action="give")
    assert to_ada["data"]["text"] == f"{bob.name} gives you a brass lantern."
    assert to_ada["data"]["target"]["name"] == ada.name
    to_cyd = await cyd.event("item_event", action="give")
    assert to_cyd["data"]["text"] == f"{bob.name} gives a brass lantern to {ada.name}."
    await settled(ada, cyd)
    assert not item_events(ada, "spawn"), "the admin reads the response, not the event"
    assert [i["id"] for i in last_inventory(ada)["carried"]] == [lantern["id"]]
    assert last_inventory(bob)["carried"] == []
    refused = await bob.run("give", "lantern", ada.name)
    assert refused == {**refused, "success": False, "result": "You are not carrying any 'lantern'."}

    # Ada holds it, then drops it: it must come off first.
    held = await ada.run("hold", "lantern")
    assert held["result"] == "You hold a brass lantern."
    equip = await bob.event("item_event", action="equip")
    assert (equip["data"]["slot"], equip["data"]["text"]) == (
        "off_hand",
        f"{ada.name} holds a brass lantern.",
    )
    blocked = await ada.run("drop", "lantern")
    assert blocked["result"] == "You must remove a brass lantern before you drop it."
    assert (await ada.run("remove", "lantern"))["result"] == "You stop holding a brass lantern."
    assert (await ada.run("drop", "lantern"))["result"] == "You drop a brass lantern."
    dropped = await cyd.event("item_event", action="drop")
    assert dropped["data"]["text"] == f"{ada.name} drops a brass lantern."

    # Bob arms himself: wield, look shows it, a swap puts the old weapon away.
    await conjure(ada, "walking-stick", "a blackthorn walking stick")
    await conjure(ada, "gutting-knife", "a fish-gutting knife")
    for word in ("stick", "knife"):
        assert (await bob.run("get", word))["success"]
    assert (await bob.run("wield", "stick"))["result"] == "You wield a blackthorn walking stick."
    wields = await cyd.event("item_event", text=f"{bob.name} wields a blackthorn walking stick.")
    assert (wields["data"]["action"], wields["data"]["slot"]) == ("equip", "main_hand")
    looked = (await cyd.run("look", bob.name))["result"]
    assert looked.endswith(f"{bob.name} is wielding a blackthorn walking stick.")
    swapped = await bob.run("wield", "knife")
    assert swapped["result"] == (
        "You put away a blackthorn walking stick and wield a fish-gutting knife."
    )
    inventory = (await bob.run("inventory"))["result"].splitlines()
    assert inventory[0].startswith("You carry ")
    assert "You wear and wield:" in inventory and "  main hand: a fish-gutting knife" in inventory

    # A tonic is drunk: gone for good, and the room hears it.
    await conjure(ada, "nerve-tonic", "a bottle of nerve tonic")
    assert (await cyd.run("get", "tonic"))["success"]
    drunk = await cyd.run("drink", "tonic")
    assert drunk["result"] == (
        "You drink a bottle of nerve tonic. A bitter warmth spreads through your chest."
    )
    used = await bob.event("item_event", action="use")
    assert used["data"]["text"] == f"{cyd.name} drinks a bottle of nerve tonic."
    assert (await cyd.run("drink", "tonic"))["result"] == "You are not carrying any 'tonic'."

    room = (await cyd.run("look"))["result"].splitlines()
    assert room[-1] == f"On the ground: {PAPER}, a brass lantern"
    for player in (ada, bob, cyd):
        await player.close()


@pytest.mark.parametrize(*BOTH_MODES)
async def test_a_restart_in_the_middle_of_play_loses_and_doubles_nothing(
    mode: str, start_system: Any, players: Any
) -> None:
    system = start(start_system, mode)
    ada = await join(system, players, "Ada")
    ada = await grant_admin(system, players, ada.name)
    bob = await join(system, players, "Bob")
    for prototype, name in (
        ("brass-lantern", "a brass lantern"),
        ("walking-stick", "a blackthorn walking stick"),
        ("oilskin-coat", "an oilskin coat"),
    ):
        await conjure(ada, prototype, name)
    assert (await bob.run("get", "all.stick"))["success"]
    assert (await bob.run("get", "coat"))["success"]
    assert (await bob.run("wear", "coat"))["success"]
    assert (await bob.run("give", "stick", ada.name))["success"]
    assert (await ada.run("wield", "stick"))["success"]

    async def floor_ids(player: Any) -> list[str]:
        """The square's items, from a fresh room_update (walk out and back)."""
        await walk(player, "north", "south")
        update = [m for m in player.received if m["event_type"] == "room_update"][-1]
        assert update["data"]["room"]["id"] == START
        return [i["id"] for i in update["data"]["room"]["items"]]

    async def holdings(player: Any) -> tuple[list[str], dict[str, str]]:
        await player.run("inventory")
        inventory = last_inventory(player)
        worn = {slot: item["id"] for slot, item in inventory["worn"].items()}
        return [i["id"] for i in inventory["carried"]], worn

    floor = await floor_ids(bob)
    assert len(floor) == 2 and len(set(floor)) == 2  # the paper and the lantern
    before = {"ada": await holdings(ada), "bob": await holdings(bob)}
    assert before["ada"][1].keys() == {"main_hand"} and before["bob"][1].keys() == {"body"}

    # A rollout (SIGTERM): the streams continue; everything is where it was.
    ada, bob = await restart_game(system, players, signal.SIGTERM, ada, bob)
    for player in (ada, bob):
        assert (await slow_run(player, "look"))["success"]  # answered by the new game
    assert await floor_ids(bob) == floor
    assert {"ada": await holdings(ada), "bob": await holdings(bob)} == before

    # Bob moves the lantern, then the game is killed before anything else happens.
    assert (await bob.run("get", "lantern"))["success"]
    moved = (await holdings(bob))[0]
    assert len(moved) == 1
    ada, bob = await restart_game(system, players, signal.SIGKILL, ada, bob)
    ada, _ = await state_after_kill(system, players, ada)
    bob, resync = await state_after_kill(system, players, bob)
    bob_inventory = resync["data"]["character"]["inventory"]
    assert [i["id"] for i in bob_inventory["carried"]] == moved
    assert {s: i["id"] for s, i in bob_inventory["worn"].items()} == before["bob"][1]
    remaining = [i for i in floor if i not in moved]
    assert [i["id"] for i in resync["data"]["room"]["items"]] == remaining
    assert await holdings(ada) == before["ada"]
    await walk(bob, "north")
    assert (await bob.run("drop", "lantern"))["success"]
    quad = (await bob.run("look"))["result"].splitlines()
    assert quad[-1] == "On the ground: a brass lantern", quad
    assert [m for m in bob.received if m["event_type"] == "room_update"][-1]["data"]["room"][
        "id"
    ] == QUAD
    for player in (ada, bob):
        await player.close()
