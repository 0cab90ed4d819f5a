"""A slow client cannot hurt others: its bounded send queue overflows, it is closed
with 4008, the players beside it lose nothing, and it can resume afterwards. Nor can
it hold a stop: one that never answers the close (1012) is waited for only
``EDGE_SHUTDOWN_GRACE_SECONDS``, in both run modes."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
import uuid
from typing import Any

import pytest
from stream_client import StreamClient

LINES = 5000
TEXT = "x" * 900


async def _open_unread_socket(
    port: int, token: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A WebSocket handshake by hand on a socket with a tiny receive window; afterwards
    nothing is read until the test says so, as a stalled client would behave."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=4096)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Protocol: bearer, {token}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer  # the writer must stay referenced: dropping it closes the socket


def _frames(data: bytes) -> tuple[list[dict[str, Any]], int | None]:
    """Server frames (unmasked): the text messages, and the close code if one came."""
    messages, offset = [], 0
    while offset + 2 <= len(data):
        opcode, length = data[offset] & 0x0F, data[offset + 1] & 0x7F
        offset += 2
        if length == 126:
            (length,) = struct.unpack("!H", data[offset : offset + 2])
            offset += 2
        elif length == 127:
            (length,) = struct.unpack("!Q", data[offset : offset + 8])
            offset += 8
        payload = data[offset : offset + length]
        offset += length
        if opcode == 1:
            messages.append(json.loads(payload))
        elif opcode == 8:
            return messages, struct.unpack("!H", payload[:2])[0]
    return messages, None


async def _logged_in(system: Any, players: Any, prefix: str) -> Any:
    return await players.register_and_login(system.url, f"{prefix}{uuid.uuid4().hex[:6]}")


async def test_a_client_that_stops_reading_is_closed_and_nobody_else_notices(
    start_system: Any, players: Any
) -> None:
    system = start_system(
        "distributed",
        EDGE_SEND_QUEUE_LIMIT="50",
        GAME_CHAT_LIMITS="false",
        EDGE_COMMANDS_PER_SECOND="100000",
        EDGE_COMMAND_BURST="100000",
        EDGE_IDLE_TIMEOUT_SECONDS="600",
    )
    slow_login = await _logged_in(system, players, "Slow")
    # Straight to the edge: a proxy in between would hold its own buffers and, when the
    # edge closes, tear the stalled connection down without passing the close frame on.
    edge_port = int(system.env["MYTHOS_INTERNAL_PORT_BASE"]) + 3
    reader, writer = await _open_unread_socket(edge_port, slow_login.token)

    fast = StreamClient("Fast", (await _logged_in(system, players, "Fast")).token, system.url)
    await fast.start()
    talker_login = await _logged_in(system, players, "Talker")
    talker = StreamClient("Talker", talker_login.token, system.url)
    await talker.start()
    ids = [await talker.send("say", f"{i:05d} {TEXT}") for i in range(LINES)]
    for command_id in ids[-1:]:
        await talker.response(command_id, timeout=120)
    await fast.wait_for(
        lambda m: m["data"].get("message", "").startswith(f"{LINES - 1:05d}"),
        timeout=120,
        what="the last line",
    )
    assert len(fast.chat_lines()) == LINES, "the fast player missed nothing"

    # Now read what the stalled socket holds: its stream, ending with the 4008 close.
    async with asyncio.timeout(60):
        data = await reader.read()
    writer.close()
    held, code = _frames(data)
    print(f"slow client held {len(held)} messages before the close; code {code}")
    assert code == 4008
    state = held[0]
    assert state["event_type"] == "game_state"
    last = max(m["sequence_number"] for m in held if m["event_type"] not in ("heartbeat", "pong"))
    assert last < LINES, "it really fell behind"

    # ...and it can resume: everything it missed arrives, once, in order.
    resumed = StreamClient("Slow", slow_login.token, system.url)
    resumed.epoch = state["data"]["epoch"]
    resumed.session_id = state["data"]["session_id"]
    resumed.last_seq = last
    await resumed.start()
    await resumed.wait_for(
        lambda m: (
            m["data"].get("message", "").startswith(f"{LINES - 1:05d}")
            or (m["event_type"] == "game_state" and m["data"]["resync"])
        ),
        timeout=120,
        what="the rest of the stream",
    )
    for client in (fast, talker, resumed):
        print(client.report())
        assert client.gaps == 0 and client.duplicates == 0
    for client in (fast, talker, resumed):
        await client.stop()


@pytest.mark.parametrize("mode", ["distributed", "embedded"])
async def test_a_client_that_never_answers_the_close_holds_a_stop_only_for_the_grace(
    mode: str, start_system: Any, players: Any
) -> None:
    system = start_system(mode, EDGE_SHUTDOWN_GRACE_SECONDS="1")
    login = await _logged_in(system, players, "Mute")
    # Straight to the edge (in embedded mode the public port is the edge's).
    port = (
        int(system.env["MYTHOS_INTERNAL_PORT_BASE"]) + 3
        if mode == "distributed"
        else int(system.url.rsplit(":", 1)[1])
    )
    reader, writer = await _open_unread_socket(port, login.token)
    await system.shut_down()
    assert system.process.returncode == 0, "stopped, not killed"
    # The edge asked it to reconnect, waited the grace, and stopped anyway.
    waited = [line for line in system.log_lines() if line["msg"].startswith("the drain took")]
    assert [line["msg"] for line in waited] == ["the drain took over 1.0s; stopping anyway"]
    async with asyncio.timeout(30):
        data = await reader.read()
    writer.close()
    _, code = _frames(data)
    assert code == 1012
