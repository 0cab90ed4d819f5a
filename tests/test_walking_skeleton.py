"""Two players, end to end through the public origin, in both run modes.

Register, log in, connect, see each other (``who``, occupants, presence), chat,
move, survive bad input, and find their room again after a restart of everything.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
import websockets

START_ROOM = "independence-square"
NORTH_ROOM = "miskatonic-quad"


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


@pytest.mark.parametrize("mode", ["distributed", "embedded"])
async def test_two_players_meet_chat_and_move(mode: str, start_system: Any, players: Any) -> None:
    system = start_system(mode)
    base = system.url
    alice_name, bob_name = _name("Alice"), _name("Bob")

    await _check_auth_contract(base, _name("Carol"))
    alice = await players.register_and_login(base, alice_name)
    bob = await players.register_and_login(base, bob_name)

    await alice.connect(base)
    state = await alice.event("game_state")
    assert state["sequence_number"] == 1
    assert state["data"]["player"]["name"] == alice_name
    assert state["data"]["room"]["id"] == START_ROOM
    assert state["data"]["room"]["exits"]["north"] == NORTH_ROOM
    assert state["data"]["room"]["occupants"] == [alice_name]

    await bob.connect(base)
    state = await bob.event("game_state")
    assert state["sequence_number"] == 1
    assert sorted(state["data"]["room"]["occupants"]) == sorted([alice_name, bob_name])
    entered = await alice.event("player_entered", player_name=bob_name)
    assert entered["room_id"] == START_ROOM

    who = await alice.run("who")
    assert who["success"] is True
    assert alice_name in who["result"] and bob_name in who["result"]

    said = await bob.run("say", "hello", "there")
    assert said == {
        "command": "say",
        "command_id": said["command_id"],
        "success": True,
        "result": "You say: hello there",
    }
    chat = await alice.event("chat_message", player_name=bob_name)
    assert chat["data"]["channel"] == "say"
    assert chat["data"]["message"] == "hello there"
    assert chat["data"]["text"] == f"{bob_name} says: hello there"
    assert chat["data"]["player_id"] == state["data"]["player"]["id"]
    assert not any(m["event_type"] == "chat_message" for m in bob.received), "sender hears itself"

    # Bob walks north (by abbreviation): Alice sees him leave; he gets the new room.
    moved = await bob.run("n")
    assert moved["success"] is True
    update = await bob.event("room_update")
    assert update["data"]["room"]["id"] == NORTH_ROOM
    assert update["data"]["room"]["occupants"] == [bob_name]
    await alice.event("player_left", player_name=bob_name)

    # Alice follows with 'go north': Bob sees her arrive; say now reaches Bob in the new room.
    assert (await alice.run("go", "north"))["success"] is True
    await bob.event("player_entered", player_name=alice_name)
    await alice.run("say", "found you")
    await bob.event("chat_message", message="found you")

    refused = await alice.run("go", "west")
    assert refused["success"] is False and "cannot go west" in refused["result"]
    assert "go" in (await alice.run("help"))["result"]
    assert "Usage: go <direction>" in (await alice.run("help", "go"))["result"]
    assert "Exits:" in (await alice.run("LOOK"))["result"]

    await _bad_input_keeps_the_connection(alice)

    # Each stream is exactly 1, 2, 3, ... and nobody saw anything twice.
    for player in (alice, bob):
        numbers = player.sequence_numbers()
        assert numbers == list(range(1, len(numbers) + 1)), (player.name, numbers)
        print(f"{mode}: {player.name} received {len(numbers)} messages, gaps=0 duplicates=0")

    assert not any(
        m["event_type"] in ("player_left", "player_entered")
        and m["data"]["player_name"] == bob_name
        for m in bob.received
    ), "the mover must not be told of their own moves"

    await alice.close()
    await bob.close()

    # Restart every service: Alice logs in again and stands where she left.
    system.stop()
    system.start()
    again = await players.login(base, alice_name)
    await again.connect(base)
    state = await again.event("game_state")
    assert state["sequence_number"] == 1
    assert state["data"]["room"]["id"] == NORTH_ROOM
    await again.close()


async def _check_auth_contract(base: str, taken: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        first = await http.post("/auth/register", json={"username": taken, "password": "p" * 8})
        assert first.status_code == 201
        body = first.json()
        assert body["username"] == taken and body["user_id"]
        clash = await http.post(
            "/auth/register", json={"username": taken.upper(), "password": "p" * 8}
        )
        assert clash.status_code == 409
        bad_name = await http.post("/auth/register", json={"username": "1x", "password": "p" * 8})
        assert bad_name.status_code == 422 and "username" in json.dumps(bad_name.json())
        short = await http.post(
            "/auth/register", json={"username": _name("Cy"), "password": "short"}
        )
        assert short.status_code == 422 and "password" in json.dumps(short.json())
        wrong = await http.post("/auth/login", json={"username": taken, "password": "q" * 8})
        unknown = await http.post(
            "/auth/login", json={"username": _name("Nobody"), "password": "q" * 8}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json()
        good = await http.post("/auth/login", json={"username": taken, "password": "p" * 8})
        assert good.status_code == 200
        assert good.json()["token_type"] == "bearer" and good.json()["expires_in"] > 0
        assert (await http.get("/docs")).status_code == 200
        page = await http.get("/")
        assert page.status_code == 200 and "<html" in page.text.lower()

    ws_url = base.replace("http://", "ws://") + "/api/ws"
    for offered in (["bearer", "not-a-token"], None):
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with websockets.connect(ws_url, subprotocols=offered):  # type: ignore[arg-type]
                pass
        assert refused.value.response.status_code in (401, 403)


async def _bad_input_keeps_the_connection(player: Any) -> None:
    await player.send_raw("this is not json")
    error = await player.event("error")
    assert "invalid JSON" in error["data"]["message"]

    unknown = await player.run("xyzzy")
    assert unknown["success"] is False and "Unknown command" in unknown["result"]

    await player.send_raw(json.dumps({"args": ["no command"], "command_id": "c-missing"}))
    missing = await player.event("error", command_id="c-missing")
    assert "command" in missing["data"]["message"]

    await player.send_raw(json.dumps({"command": "say", "args": [1, 2], "command_id": "c-int"}))
    not_text = await player.event("error", command_id="c-int")
    assert "args" in not_text["data"]["message"]

    await player.send_raw(json.dumps([1, 2, 3]))
    await player.wait_for(
        lambda m: m["event_type"] == "error" and "JSON object" in m["data"]["message"]
    )
    # ...and the connection still works.
    assert (await player.run("look"))["success"] is True


async def test_stopping_the_system_closes_connected_clients_with_1012_answered(
    start_system: Any, players: Any
) -> None:
    system = start_system("embedded")
    player = await players.register_and_login(system.url, _name("Stan"))
    await player.connect(system.url)
    await player.event("game_state")
    await system.shut_down()
    await player.close()  # already closed: waits for its reader to have seen the end
    assert player.close_code == 1012
    unanswered = [r["msg"] for r in system.log_lines() if "no answer to our close" in r["msg"]]
    assert unanswered == [], "the client was left unable to answer the edge's close"
