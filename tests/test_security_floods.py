"""Floods at the edge, black-box on the distributed stack with the default limits
(10 frames per second per connection, bursts of 20, 500 refusals a minute):

- a burst of a few hundred commands is answered in full: every command frame with a
  ``command_id`` gets exactly one ``command_response``, the refused ones ``success:
  false``, ``slow down: ...`` and a ``retry_after``; pings draw on the same budget;
  the connection stays;
- a client that keeps flooding is closed with 1008; what it sent before the close is
  still answered, in its stream, which a resume delivers.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from typing import Any
from urllib.parse import urlencode

import websockets

CONTROL = {"heartbeat", "pong", "disconnect", "auth_ok"}


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def _answers(messages: list[dict[str, Any]]) -> Counter[str]:
    return Counter(
        m["data"]["command_id"]
        for m in messages
        if m["event_type"] == "command_response" and m["data"]["command_id"]
    )


async def test_a_burst_is_answered_in_full_and_a_sustained_flood_is_closed_1008(
    start_system: Any, players: Any
) -> None:
    system = start_system(
        "distributed", AUTH_REGISTER_PER_IP_PER_MINUTE="0", AUTH_LOGIN_PER_IP_PER_MINUTE="0"
    )
    base = system.url
    eve = await players.register_and_login(base, _name("Eve"))
    await eve.connect(base)
    state = (await eve.event("game_state"))["data"]

    # A burst: 300 commands at once, every 10th frame a ping without a command_id.
    sent: list[str] = []
    pings = 0
    for n in range(330):
        if n % 11 == 10:
            await eve.send_raw(json.dumps({"command": "ping"}))
            pings += 1
        else:
            sent.append(await eve.send("look"))
    await eve.wait_for(lambda _: set(_answers(eve.received)) >= set(sent), 60, "every answer")
    answered = _answers(eve.received)
    by_id = {
        m["data"]["command_id"]: m["data"]
        for m in eve.received
        if m["event_type"] == "command_response"
    }
    ran = [i for i in sent if by_id[i]["success"]]
    refused = [by_id[i] for i in sent if not by_id[i]["success"]]
    print(
        f"eve sent {len(sent)} commands and {pings} pings at once: {len(ran)} ran, "
        f"{len(refused)} refused, e.g. {refused[0]}"
    )
    assert all(answered[i] == 1 for i in sent), "exactly one command_response per command"
    assert 20 <= len(ran) < 100 and len(refused) == len(sent) - len(ran)
    assert all(r["result"].startswith("slow down") and r["retry_after"] > 0 for r in refused)

    def ping_answers() -> tuple[int, int]:
        pongs = sum(m["event_type"] == "pong" for m in eve.received)
        slowed = sum(
            m["event_type"] == "command_response" and m["data"]["command"] == "ping"
            for m in eve.received
        )
        return pongs, slowed

    await eve.wait_for(lambda _: sum(ping_answers()) == pings, 30, "every ping answered")
    pongs, slowed = ping_answers()
    print(f"of the {pings} pings, {pongs} got a pong and {slowed} were refused like commands")
    assert slowed > 0, "pings draw on the same budget"
    assert eve.close_code is None, "a burst does not cost the connection"

    # Keep flooding: more than 500 refusals within a minute close the connection (1008).
    flood = []
    try:
        for _ in range(400):
            flood.append(await eve.send("look"))
    except websockets.ConnectionClosed:
        pass
    async with asyncio.timeout(30):
        while eve.close_code is None:
            await asyncio.sleep(0.05)
    reason = eve.ws.close_reason
    print(f"eve kept flooding ({len(flood)} more): closed {eve.close_code} ({reason!r})")
    assert eve.close_code == 1008 and "too many commands" in reason

    # What was read before the close is answered in the stream: a resume delivers it.
    stream = [m for m in eve.received if m["event_type"] not in CONTROL]
    last_seq = max(m["sequence_number"] for m in stream)
    query = {"session_id": state["session_id"], "epoch": state["epoch"], "last_seq": last_seq}
    url = base.replace("http://", "ws://") + "/api/ws?" + urlencode(query)
    replayed: list[dict[str, Any]] = []
    async with websockets.connect(url, subprotocols=["bearer", eve.token]) as ws:
        async with asyncio.timeout(30):
            while not replayed or replayed[-1]["event_type"] != "room_update":
                replayed.append(json.loads(await ws.recv()))
    numbers = [m["sequence_number"] for m in stream + replayed]
    assert numbers == list(range(1, len(numbers) + 1)), "one gapless stream across the close"
    answered = _answers(stream + replayed)
    flood_answered = [i for i in flood if i in answered]
    print(
        f"after resuming: {len(flood_answered)} of the {len(flood)} flood commands were read "
        "before the close and each answered once; the rest were never read"
    )
    assert all(count == 1 for count in answered.values())
    assert flood_answered == flood[: len(flood_answered)], "answered: what was read, in order"
    assert len(flood_answered) > 100
    assert "closing after" in system.log_text()
