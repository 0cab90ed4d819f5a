"""What a held connection keeps once its handshake is over: nothing the handshake alone
used (every object a connection keeps is walked by each full collection, for every
connection the edge holds), and the parser and the log ids still at work.

The real app on a real uvicorn with ``DetachableWebSockets`` and real clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import websockets
from mythos_contracts.ops.log_lines import configure_logging
from mythos_edge.entrypoints.lean_socket import LeanSocket
from served_edge import served, until
from websockets.datastructures import Headers
from websockets.http11 import Request


def _held(server: Any) -> list[LeanSocket]:
    return [c for c in server.server_state.connections if isinstance(c, LeanSocket)]


def _parser_locals(lean: LeanSocket) -> list[object]:
    """Every local of every frame of the socket's parser (a chain of generators)."""
    found: list[object] = []
    generator: Any = lean._ws.parser
    while generator is not None:
        if generator.gi_frame is not None:
            found += generator.gi_frame.f_locals.values()
        generator = generator.gi_yieldfrom
    return found


async def test_a_held_connection_keeps_nothing_of_its_handshake_and_still_parses() -> None:
    async with served() as (url, bus, server):
        ws = await websockets.connect(url, subprotocols=["bearer", "good-p1"])  # type: ignore[list-item]
        await until(lambda: len(bus.sent("session_open")) == 1)
        (lean,) = _held(server)
        assert not [o for o in _parser_locals(lean) if isinstance(o, Request | Headers)]
        assert lean._ws.available_extensions is None  # permessage-deflate's offer
        # The parser that replaced the handshake's reads what the lean path hands it: a
        # fragmented message (joined), a protocol ping (answered), then a whole frame.
        await ws.send(['{"command": "say", ', '"args": ["in parts"], "command_id": "a"}'])
        await asyncio.wait_for(await ws.ping(), 10)
        await ws.send(json.dumps({"command": "say", "args": ["whole"], "command_id": "b"}))
        await until(lambda: len(bus.sent("command")) == 2)
        assert [c["args"] for c in bus.sent("command")] == [["in parts"], ["whole"]]
        await ws.close()
        await until(lambda: len(bus.sent("session_close")) == 1)


@contextlib.contextmanager
def _json_lines_to_stdout() -> Iterator[None]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("edge", level="DEBUG", fmt="json")
    try:
        yield
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])


def _lines(capsys: pytest.CaptureFixture[str], text: list[str]) -> list[dict[str, Any]]:
    text.append(capsys.readouterr().out)
    return [json.loads(line) for line in "".join(text).splitlines() if line.startswith("{")]


async def test_a_held_connections_tasks_and_timer_log_with_its_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The session's tasks bind the ids themselves, and the token's timer runs in one
    context shared by every connection: neither copies the endpoint's per connection."""
    out: list[str] = []

    def said(message: str) -> list[dict[str, Any]]:
        return [line for line in _lines(capsys, out) if line["msg"].startswith(message)]

    with _json_lines_to_stdout():
        async with served() as (url, bus, _server):
            talker = await websockets.connect(url, subprotocols=["bearer", "good-p1"])  # type: ignore[list-item]
            brief = await websockets.connect(url, subprotocols=["bearer", "brief-p2"])  # type: ignore[list-item]
            await until(lambda: len(bus.sent("session_open")) == 2)
            await talker.send(json.dumps({"command": "look", "command_id": "c-1"}))
            await until(lambda: bool(said("command forwarded")))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(brief.recv(), 10)  # its token lasts a second
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4003
            await talker.close()
            await until(lambda: len(said("connection closed")) == 2)
    opened = {line["player_id"]: line["connection_id"] for line in said("connection opened")}
    assert set(opened) == {"p1", "p2"}
    (forwarded,) = said("command forwarded")
    assert forwarded["connection_id"] == opened["p1"] and forwarded["command_id"] == "c-1"
    (expired,) = said("closing p2: token expired")
    assert expired["player_id"] == "p2" and expired["connection_id"] == opened["p2"]
    for line in said("connection closed"):
        assert line["connection_id"] == opened[line["player_id"]]
