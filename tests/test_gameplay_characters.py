"""Characters over WebSocket: the standard investigator of a first login, its status."""

from __future__ import annotations

from typing import Any

from test_gameplay_support import join, start

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


async def test_a_first_login_plays_the_standard_investigator(
    start_system: Any, players: Any
) -> None:
    system = start(start_system)
    ada = await join(system, players, "Ada")
    state = (await ada.event("game_state"))["data"]
    assert state["player"]["name"] == ada.name
    assert state["character"] == {
        "profession": "drifter",
        "characteristics": STANDARD,
        "status": STANDARD_STATUS,
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
