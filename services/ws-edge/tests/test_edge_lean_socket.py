"""The data path after the handshake: ``LeanSocket`` framing on a recording transport,
then the real app on a real uvicorn with ``DetachableWebSockets`` and a real client."""

from __future__ import annotations

import asyncio
import gc
import json
import logging

import pytest
import websockets
from lean_socket_doubles import _from_client, _lean, _server_frames
from mythos_contracts.envelope import EventEnvelope
from mythos_contracts.routing import EVENTS_EXCHANGE, player_key
from mythos_edge.entrypoints import lean_socket
from mythos_edge.entrypoints.lean_socket import LeanSocket
from mythos_edge.entrypoints.session import Session
from mythos_edge.entrypoints.websocket import EdgeRuntime
from mythos_edge.service_layer.connections import Connection
from served_edge import served, until
from websockets.frames import Frame, Opcode
from websockets.server import ServerProtocol

# --- LeanSocket on a recording transport ----------------------------------------------


async def test_messages_are_framed_as_websockets_reads_them_whatever_their_size() -> None:
    lean, transport, _, _ = _lean()
    texts = ["hi", "é" * 100, "x" * 70_000]  # 7-bit, 16-bit and 64-bit lengths
    for text in texts:
        lean.send(text.encode())
    frames = _server_frames(transport.written)
    assert [(f.opcode, f.fin, f.data.decode()) for f in frames] == [
        (Opcode.TEXT, True, t) for t in texts
    ]


async def test_several_messages_go_in_one_write_each_framed_and_none_after_a_close() -> None:
    lean, transport, _, _ = _lean()
    texts = ["chat", "é" * 100, "x" * 70_000, "response"]
    lean.send_many([text.encode() for text in texts])
    assert transport.writes == 1
    frames = _server_frames(transport.written)
    assert [(f.opcode, f.fin, f.data.decode()) for f in frames] == [
        (Opcode.TEXT, True, t) for t in texts
    ]
    lean.close(1000, "")
    lean.send_many([b"never sent", b"nor this"])
    assert [f.opcode for f in _server_frames(transport.written)][-1] is Opcode.CLOSE
    assert transport.writes == 2


async def test_whole_messages_reach_the_listener_fragments_joined_pings_answered() -> None:
    lean, transport, listener, _ = _lean()
    lean.data_received(
        _from_client(
            Frame(Opcode.TEXT, b'{"command":', fin=False),
            Frame(Opcode.PING, b"p"),
            Frame(Opcode.CONT, b'"look"}'),
            Frame(Opcode.BINARY, b"\x00\x01"),
        )
    )
    assert listener.messages == ['{"command":"look"}', b"\x00\x01"]
    assert [(f.opcode, f.data) for f in _server_frames(transport.written)] == [(Opcode.PONG, b"p")]


async def test_invalid_utf8_closes_1007_and_the_listener_hears_it() -> None:
    lean, transport, listener, connections = _lean()
    lean.data_received(_from_client(Frame(Opcode.TEXT, b"\xff\xfe")))
    assert listener.messages == []
    (close,) = _server_frames(transport.written)
    assert close.opcode is Opcode.CLOSE and close.data[:2] == (1007).to_bytes(2, "big")
    assert transport.closed
    lean.connection_lost(None)
    assert listener.gone is not None and listener.gone[0] == 1007 and not connections


async def test_a_message_over_the_protocol_limit_closes_1009() -> None:
    lean, transport, listener, _ = _lean(max_size=1024)
    lean.data_received(_from_client(Frame(Opcode.TEXT, b"x" * 2000)))
    assert listener.messages == []
    (close,) = _server_frames(transport.written)
    assert close.data[:2] == (1009).to_bytes(2, "big") and transport.closed


async def test_our_close_goes_after_what_was_sent_and_nothing_follows_it() -> None:
    lean, transport, listener, _ = _lean()
    lean.send(b"last line")
    lean.close(4008, "too slow: reconnect to resume")
    lean.send(b"never sent")
    lean.close(1000, "a second close is not sent")
    frames = _server_frames(transport.written)
    assert [f.opcode for f in frames] == [Opcode.TEXT, Opcode.CLOSE]
    assert frames[1].data[:2] == (4008).to_bytes(2, "big")
    assert not transport.closed  # the client has a while to answer
    lean.data_received(_from_client(Frame(Opcode.CLOSE, (4008).to_bytes(2, "big"))))
    assert transport.closed  # its answer ends the handshake
    lean.connection_lost(None)
    assert listener.gone is not None and listener.gone[0] == 4008


async def test_a_close_the_client_never_answers_closes_the_socket_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(lean_socket, "CLOSE_TIMEOUT_SECONDS", 0.01)
    lean, transport, _, _ = _lean()
    with caplog.at_level(logging.INFO, logger=lean_socket.__name__):
        lean.close(1012, "server restarting")
        await until(lambda: transport.closed)
    assert [r.getMessage() for r in caplog.records] == [
        "no answer to our close in 0.01s: closing the socket"
    ]


async def test_an_answered_close_says_nothing(caplog: pytest.LogCaptureFixture) -> None:
    lean, transport, _, _ = _lean()
    with caplog.at_level(logging.INFO, logger=lean_socket.__name__):
        lean.close(1012, "server restarting")
        lean.data_received(_from_client(Frame(Opcode.CLOSE, (1012).to_bytes(2, "big"))))
        lean.connection_lost(None)
    assert transport.closed and not caplog.records


async def test_the_client_closing_is_echoed_and_reported_with_its_code() -> None:
    lean, transport, listener, _ = _lean()
    lean.data_received(_from_client(Frame(Opcode.CLOSE, (4321).to_bytes(2, "big") + b"bored")))
    (echo,) = _server_frames(transport.written)
    assert echo.opcode is Opcode.CLOSE and transport.closed
    lean.connection_lost(None)
    assert listener.gone == (4321, "bored")


async def test_a_transport_lost_without_a_close_is_1006_and_shutdown_asks_the_listener() -> None:
    lean, _, listener, _ = _lean()
    lean.shutdown()
    assert listener.shut
    lean.connection_lost(ConnectionResetError())
    assert listener.gone == (1006, "")


# --- the app on a real uvicorn ------------------------------------------------------------


async def test_idle_connections_hold_no_task_and_commands_still_reach_the_game_in_order() -> None:
    async with served(command_burst=100) as (url, bus, _server):
        before = len(asyncio.all_tasks())
        sockets = [
            await websockets.connect(url, subprotocols=["bearer", f"good-p{i}"])  # type: ignore[list-item]
            for i in range(10)
        ]
        await until(lambda: len(bus.sent("session_open")) == 10)
        await asyncio.sleep(0.1)
        # The client's own reader tasks are the only new ones: none on the edge's side.
        assert len(asyncio.all_tasks()) - before <= 10
        first = sockets[0]
        await first.send(json.dumps({"command": "ping"}))
        pong = json.loads(await asyncio.wait_for(first.recv(), 10))
        assert pong["event_type"] == "pong"
        for n in range(20):
            await first.send(json.dumps({"command": "say", "args": [str(n)], "command_id": str(n)}))
        await until(lambda: len(bus.sent("command")) == 20)
        assert [c["command_id"] for c in bus.sent("command")] == [str(n) for n in range(20)]
        await first.close(4321, "bored")
        await until(lambda: len(bus.sent("session_close")) == 1)
        for ws in sockets[1:]:
            await ws.close()
        await until(lambda: len(bus.sent("session_close")) == 10)


async def test_a_frame_over_the_edges_limit_closes_1009_with_its_reason() -> None:
    async with served(max_frame_bytes=256) as (url, _bus, _server):
        ws = await websockets.connect(url, subprotocols=["bearer", "good-p1"])
        await ws.send(json.dumps({"command": "say", "args": ["x" * 1000]}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        assert "256" in closed.value.rcvd.reason


async def test_a_client_that_stops_reading_is_closed_4008_on_buffered_bytes() -> None:
    async with served(send_queue_bytes=64 * 1024) as (url, bus, _server):
        ws = await websockets.connect(url, subprotocols=["bearer", "good-p1"], max_queue=1)
        await until(lambda: len(bus.sent("session_open")) == 1)
        ws.transport.pause_reading()  # a client that stops reading
        connection_id = bus.sent("session_open")[0]["connection_id"]
        state = EventEnvelope(
            event_type="game_state",
            data={"epoch": "e1", "room": {"id": "hall"}},
            recipients={"p1": 1},
            connection_id=connection_id,
        )
        await bus.publish(EVENTS_EXCHANGE, player_key("p1", "x"), state.model_dump_json().encode())
        line = "y" * 2000
        for seq in range(2, 3000):
            chat = EventEnvelope(
                event_type="chat_message", data={"text": line}, recipients={"p1": seq}
            )
            await bus.publish(
                EVENTS_EXCHANGE, player_key("p1", "x"), chat.model_dump_json().encode()
            )
        ws.transport.resume_reading()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 30)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4008
        await until(lambda: len(bus.sent("session_close")) == 1)


def _alive(*kinds: type) -> int:
    return sum(type(o) in kinds for o in gc.get_objects())


async def test_closed_connections_leave_nothing_behind_without_a_collection() -> None:
    # With the collector off, anything in a reference cycle would stay: each closed
    # connection must be freed by its last reference going, and every table emptied.
    gc.collect()
    gc.disable()
    try:
        async with served(memory_trim_after_closes=0) as (url, bus, server):
            before = _alive(LeanSocket, Session, Connection, ServerProtocol)
            sockets = [
                await websockets.connect(url, subprotocols=["bearer", f"good-p{i}"])  # type: ignore[list-item]
                for i in range(20)
            ]
            await until(lambda: len(bus.sent("session_open")) == 20)
            assert _alive(LeanSocket, Session, Connection) - before == 60
            for ws in sockets:
                await ws.close()
            await until(lambda: len(bus.sent("session_close")) == 20)
            await asyncio.sleep(0.1)
            runtime: EdgeRuntime = server.config.app.state.edge  # type: ignore[union-attr]
            assert len(runtime.registry) == 0 and runtime.bindings.bound() == {}
            assert runtime.caps.counts() == (0, 0) and runtime.memory_trim is not None
            assert runtime.memory_trim.live == 0
            assert not server.server_state.connections
            del sockets
            assert _alive(LeanSocket, Session, Connection, ServerProtocol) == before
    finally:
        gc.enable()


async def test_a_large_drop_in_sessions_gives_memory_back_once() -> None:
    async with served(memory_trim_after_closes=5, memory_trim_delay_seconds=0.2) as (
        url,
        bus,
        server,
    ):
        runtime: EdgeRuntime = server.config.app.state.edge  # type: ignore[union-attr]
        trim = runtime.memory_trim
        assert trim is not None
        sockets = [
            await websockets.connect(url, subprotocols=["bearer", f"good-p{i}"])  # type: ignore[list-item]
            for i in range(8)
        ]
        await until(lambda: len(bus.sent("session_open")) == 8)
        for ws in sockets[:4]:  # a drop of 4: under the 5 that release
            await ws.close()
        await until(lambda: len(bus.sent("session_close")) == 4)
        await asyncio.sleep(0.4)
        assert trim.releases == 0 and not trim.pending
        for ws in sockets[4:]:
            await ws.close()
        await until(lambda: len(bus.sent("session_close")) == 8)
        assert trim.pending  # not on the close itself: after the delay
        await until(lambda: trim.releases == 1)
        await asyncio.sleep(0.4)
        assert trim.releases == 1 and not trim.pending
