"""The deadline on request headers, on a real uvicorn server: a client that opens TCP and
sends half a request line is disconnected; a prompt request is served as ever."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from mythos_edge.entrypoints.header_deadline import header_deadline_protocol

DEADLINE = 0.5


async def _ok(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
    )
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
async def port() -> AsyncIterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    config = uvicorn.Config(
        _ok,
        host="127.0.0.1",
        port=free,
        lifespan="off",
        log_config=None,
        http=header_deadline_protocol(DEADLINE),
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await asyncio.sleep(0.01)
    yield free
    server.should_exit = True
    await serving


async def _closed_after(reader: asyncio.StreamReader, limit: float) -> float | None:
    """Seconds until the server closed the connection, or None if it had not by ``limit``."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(limit):
            while await reader.read(1024):
                pass
    except TimeoutError:
        return None
    return time.monotonic() - started


async def test_half_a_request_line_is_disconnected_after_the_deadline(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /api/ws?session_id=")  # and nothing more
    await writer.drain()
    waited = await _closed_after(reader, 20 * DEADLINE)
    writer.close()
    assert waited is not None, "the connection was still open long after the deadline"
    assert waited >= DEADLINE * 0.8


async def test_headers_one_line_at_a_time_get_no_longer_than_the_deadline(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\n")
    for _ in range(6):  # a header every DEADLINE/2: each in time, the whole too slow
        await asyncio.sleep(DEADLINE / 2)
        if writer.is_closing() or reader.at_eof():
            break
        writer.write(b"X-Slow: 1\r\n")
    waited = await _closed_after(reader, 20 * DEADLINE)
    writer.close()
    assert waited is not None


async def test_a_prompt_request_is_answered_and_kept_alive_requests_each_get_a_deadline(
    port: int,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for _ in range(2):
        await asyncio.sleep(DEADLINE * 0.7)  # each request alone is in time
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 200")
        assert await asyncio.wait_for(reader.readexactly(2), 5) == b"ok"
    writer.close()
