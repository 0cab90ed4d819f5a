"""Small inputs the edge must take apart cleanly, black-box on the distributed stack:

- a resume whose ``last_seq`` is a Unicode digit (``²`` passes ``isdigit()``) is treated
  as no resume: a fresh ``game_state``, not a socket dropped without a close frame;
- bidi marks and zero-width characters never reach other players (emoji sequences
  that need a joiner stay whole);
- a client that opens TCP and sends half a request line is disconnected once the header
  deadline (lowered here to 1 s) passes.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import websockets

DEADLINE = 1.0


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


async def test_resume_parameters_invisible_text_and_a_stalled_request_line(
    start_system: Any, players: Any
) -> None:
    system = start_system(
        "distributed",
        EDGE_HANDSHAKE_TIMEOUT_SECONDS=str(DEADLINE),
        AUTH_REGISTER_PER_IP_PER_MINUTE="0",
        AUTH_LOGIN_PER_IP_PER_MINUTE="0",
    )
    base = system.url
    alice, bob = [await players.register_and_login(base, _name(n)) for n in ("Alice", "Bob")]

    # last_seq in Unicode digits: a fresh start, and the socket works.
    for last_seq in ("²", "١٢", "7\u0663"):
        query = urlencode({"session_id": "s", "epoch": "e", "last_seq": last_seq})
        url = base.replace("http://", "ws://") + "/api/ws?" + query
        async with websockets.connect(url, subprotocols=["bearer", alice.token]) as ws:
            first = json.loads(await asyncio.wait_for(ws.recv(), 15))
            await ws.send(json.dumps({"command": "ping"}))
            while (answer := json.loads(await asyncio.wait_for(ws.recv(), 15)))[
                "event_type"
            ] != "pong":
                pass
        print(f"last_seq={last_seq!r}: {first['event_type']} then {answer['event_type']}")
        assert first["event_type"] == "game_state" and answer["event_type"] == "pong"

    # Invisible characters go; the joiner inside an emoji sequence stays.
    await alice.connect(base)
    await bob.connect(base)
    for player in (alice, bob):
        await player.event("game_state")
    wizard = "\U0001f9d9\u200d\u2642\ufe0f"
    said = f"\u200fad\u200bmin\u200e says\u2060 hi\u200d \ufeff{wizard}\u00ad \u202eok"
    result = await alice.run("say", said)
    heard = await bob.event("chat_message", player_name=alice.name)
    print(f"alice said {said!r}; bob heard {heard['data']['message']!r}")
    assert heard["data"]["message"] == f"admin says hi {wizard} ok"
    assert result["result"] == f"You say: admin says hi {wizard} ok"
    await alice.close()
    await bob.close()

    # Half a request line, straight to the edge's port: disconnected after the deadline.
    edge_port = int(system.env["MYTHOS_INTERNAL_PORT_BASE"]) + 3
    reader, writer = await asyncio.open_connection("127.0.0.1", edge_port)
    writer.write(b"GET /api/ws?session_id=")
    await writer.drain()
    started = time.monotonic()
    try:
        async with asyncio.timeout(30 * DEADLINE):  # generous: the point is that it ends
            while await reader.read(1024):
                pass
    finally:
        writer.close()
    waited = time.monotonic() - started
    print(f"half a request line: the edge closed the connection after {waited:.1f}s")
    assert waited >= DEADLINE * 0.8
    assert "no request headers within" in system.log_text()
