"""The edge's limits and filters, black-box on the distributed stack, with the limits
lowered through the environment (no test waits to reach a limit):

- handshake: a foreign ``Origin`` is refused (403), the page's own origin is not; the
  cap on sockets per client address answers 403 with its reason and frees its slots;
  a ``?token=`` connection works and the token appears in no log line;
- frames: text from players is relayed as data (punctuation and markup unchanged,
  terminal escapes and control characters removed); a malformed frame gets an
  ``error`` and the connection stays; an oversized frame closes it with 1009; each
  command of a flood is answered (``command_response``, "slow down", ``retry_after``)
  and the connection keeps working.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import websockets

NOT_A_LINE = "\x1b[31mred\x1b[0m \x1b]0;owned title\x07bell\x07 tab\there \u202eevil\u202c"
AS_DATA = "a;b|c <b>x</b> 'q' \"d\" ../../etc"


def _ws(base: str) -> str:
    return base.replace("http://", "ws://") + "/api/ws"


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


async def _refusal(url: str, **connect: Any) -> tuple[int, str]:
    try:
        async with websockets.connect(url, **connect) as ws:
            first = await asyncio.wait_for(ws.recv(), 5)
    except websockets.InvalidStatus as exc:
        body = exc.response.body or b"{}"
        return exc.response.status_code, str(json.loads(body).get("detail", ""))
    raise AssertionError(f"{url} {connect}: accepted; first message {first!r}")


async def test_origin_address_cap_and_query_token_redaction(
    start_system: Any, players: Any
) -> None:
    system = start_system(
        "distributed",
        EDGE_MAX_CONNECTIONS_PER_IP="4",
        AUTH_REGISTER_PER_IP_PER_MINUTE="0",
        AUTH_LOGIN_PER_IP_PER_MINUTE="0",
    )
    base = system.url
    people = [await players.register_and_login(base, _name(f"P{i}")) for i in range(5)]

    # ?token= is accepted (prefer the subprotocol) and never written to a log.
    token = people[0].token
    async with websockets.connect(f"{_ws(base)}?token={token}") as ws:
        state = json.loads(await asyncio.wait_for(ws.recv(), 15))
        assert state["event_type"] == "game_state"
    await asyncio.sleep(0.5)
    log = system.log_text()
    lines = [line for line in log.splitlines() if "/api/ws?token=" in line]
    print("log lines of the ?token= connection:\n  " + "\n  ".join(lines))
    assert lines, "the edge logs the connection's path; this test must see it"
    assert token not in log and token.split(".")[2] not in log, "the token reached a log"
    assert all("token=[redacted]" in line for line in lines)

    # Origin: a page on another site may not open the socket; the game's own page may.
    auth = {"subprotocols": ["bearer", people[1].token]}
    for origin in (
        "http://evil.example",
        "null",
        f"{base}.evil.example",
        base.rsplit(":", 1)[0] + ":1",  # same host, another port
        base.replace("127.0.0.1", "localhost"),  # another name is another origin
    ):
        status, reason = await _refusal(_ws(base), origin=origin, **auth)
        print(f"tried Origin {origin!r}: refused at the handshake, HTTP {status} ({reason})")
        assert status == 403 and "origin not allowed" in reason
    for origin in (base, "http://localhost:54731", None):
        async with websockets.connect(_ws(base), origin=origin, **auth) as ws:  # type: ignore[arg-type]
            first = json.loads(await asyncio.wait_for(ws.recv(), 15))
            print(f"Origin {origin!r}: accepted, first message {first['event_type']}")
            assert first["event_type"] == "game_state"

    # At most 4 sockets per client address: the 5th is refused, and a freed slot is reused.
    sockets = []
    for person in people[:4]:
        ws = await websockets.connect(_ws(base), subprotocols=["bearer", person.token])
        assert json.loads(await asyncio.wait_for(ws.recv(), 15))["event_type"] == "game_state"
        sockets.append(ws)
    status, reason = await _refusal(_ws(base), subprotocols=["bearer", people[4].token])
    print(f"tried a 5th socket from one address: HTTP {status} ({reason})")
    assert status == 403 and "too many connections from your address" in reason
    await sockets.pop().close()
    await asyncio.sleep(0.3)
    async with websockets.connect(_ws(base), subprotocols=["bearer", people[4].token]) as ws:
        assert json.loads(await asyncio.wait_for(ws.recv(), 15))["event_type"] == "game_state"
        print("after one socket closed, the 5th player connects")
    for ws in sockets:
        await ws.close()


RATE, BURST = 0.25, 5


async def test_text_is_data_bad_frames_are_answered_big_ones_close_floods_slow_down(
    start_system: Any, players: Any
) -> None:
    system = start_system(
        "distributed",
        EDGE_MAX_FRAME_BYTES="1024",
        EDGE_COMMANDS_PER_SECOND=str(RATE),
        EDGE_COMMAND_BURST=str(BURST),
        AUTH_REGISTER_PER_IP_PER_MINUTE="0",
        AUTH_LOGIN_PER_IP_PER_MINUTE="0",
    )
    base = system.url
    alice, bob, carol, dave = [
        await players.register_and_login(base, _name(n)) for n in ("Alice", "Bob", "Carol", "Dave")
    ]
    for player in (alice, bob, carol, dave):
        await player.connect(base)
        await player.event("game_state")

    # Text is data: punctuation and markup arrive unchanged; escapes and controls do not.
    assert (await alice.run("say", AS_DATA))["result"] == f"You say: {AS_DATA}"
    heard = await bob.event("chat_message", player_name=alice.name)
    print(f"alice said {AS_DATA!r}; bob heard {heard['data']['message']!r}")
    assert heard["data"]["message"] == AS_DATA
    await alice.run("say", NOT_A_LINE)
    heard = await bob.wait_for(
        lambda m: m["event_type"] == "chat_message" and m["data"]["message"] != AS_DATA
    )
    print(f"alice said {NOT_A_LINE!r}; bob heard {heard['data']['message']!r}")
    assert heard["data"]["message"] == "red bell tab here evil"

    # A malformed small frame is answered and the connection stays; a big one closes it.
    await dave.send_raw('{"command": "say", "args": [1], "command_id": "small-bad"}')
    error = await dave.event("error", command_id="small-bad")
    print(f"dave sent a malformed frame: error {error['data']['message']!r}, still connected")
    big = json.dumps({"command": "say", "args": ["x" * 1100], "command_id": "big"})
    await dave.send_raw(big)
    async with asyncio.timeout(10):
        while dave.close_code is None:
            await asyncio.sleep(0.05)
    print(f"dave sent {len(big)} bytes: closed {dave.close_code} ({dave.ws.close_reason!r})")
    assert dave.close_code == 1009 and "1024 bytes" in dave.ws.close_reason
    assert not any(m["data"].get("command_id") == "big" for m in dave.received)

    # A flood: the burst runs, every command after it is refused "slow down" with its own
    # command_response (never dropped unanswered); the connection stays and works once
    # the bucket refills.
    ids = [await carol.send("look") for _ in range(2 * BURST + 3)]
    answers = [
        await carol.wait_for(
            lambda m, i=i: (
                m["data"].get("command_id") == i  # type: ignore[misc]
                and m["event_type"] in ("command_response", "error")
            ),
            what=f"answer to {i}",
        )
        for i in ids
    ]
    ran = [a for a in answers if a["data"].get("success")]
    slowed = [a for a in answers if not a["data"].get("success")]
    print(
        f"carol sent {len(ids)} commands at once: {len(ran)} ran, {len(slowed)} refused: "
        f"{slowed[0]['data']}"
    )
    assert len(ran) == BURST and len(slowed) == BURST + 3
    assert all(a["event_type"] == "command_response" for a in answers)
    assert all(a["data"]["result"].startswith("slow down") for a in slowed)
    assert all(0 < a["data"]["retry_after"] <= 1 / RATE for a in slowed)
    assert all("retry_after" not in a["data"] for a in ran)
    await asyncio.sleep(1 / RATE + 0.3)  # one command's worth of refill
    after = await carol.run("look")
    assert after["success"] is True and carol.close_code is None
    print(f"{1 / RATE + 0.3:.1f}s later 'look' ran; the connection stayed open")
    assert "frames refused" in system.log_text()
    numbers = carol.sequence_numbers()
    stream = [m["sequence_number"] for m in carol.received if m["event_type"] != "pong"]
    assert stream == list(range(1, len(stream) + 1)), numbers

    for player in (alice, bob, carol):
        await player.close()
