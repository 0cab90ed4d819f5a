"""What operators see of an edge: its metrics move where things happen, its log lines are
JSON with the connection's ids and without tokens (uvicorn's access line included), and
``/healthz``, ``/readyz`` and ``/metrics`` answer, ``/readyz`` 503 once it drains."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn
import websockets
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EventEnvelope
from mythos_contracts.ops.log_lines import LogFormat, configure_logging
from mythos_contracts.runtime import Plan, Served, serve
from mythos_edge.adapters.token_verifier import Identity
from mythos_edge.app import create_app, drain, edge_service
from mythos_edge.service_layer.connections import Connection, ConnectionRegistry
from mythos_edge.service_layer.fanout import Fanout
from mythos_edge.service_layer.room_bindings import RoomBindings
from mythos_edge.settings import EdgeSettings
from prometheus_client import REGISTRY
from starlette.exceptions import StarletteDeprecationWarning
from starlette.websockets import WebSocketDisconnect

with warnings.catch_warnings():  # "install httpx2": the test client works as it is
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient, WebSocketDenialResponse

# Shaped like a real access token, so both the ``token=`` and the JWT patterns apply.
JWT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJwMSJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"


class AnyTokenVerifier:
    """``p<n>`` is player p<n>; anything else (the JWT above) is player p1."""

    async def verify(self, token: str) -> Identity:
        player = token if token.startswith("p") and len(token) < 8 else "p1"
        return Identity(player, player.title(), expires_at=time.time() + 600)


def _app(**settings: Any) -> Any:
    defaults: dict[str, Any] = {"instance_id": "ops", "edge_heartbeat_seconds": 60}
    return create_app(
        EdgeSettings(**{**defaults, **settings}),
        InMemoryBus(InMemoryBroker()),
        verifier=AnyTokenVerifier(),
    )


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(_app()) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """The app runs in another thread: its bookkeeping may lag the client by a moment."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@contextlib.contextmanager
def logging_as_in_main(fmt: LogFormat) -> Iterator[None]:
    """``configure_logging`` as ``__main__`` calls it (its handler writes to the captured
    stdout), undone before the test ends so pytest's own handlers are as they were."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("edge", level="INFO", fmt=fmt)
    try:
        yield
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])


# --- metrics ---------------------------------------------------------------------------


def test_metrics_move_on_connect_command_reject_and_close(client: TestClient) -> None:
    before = {
        "open": value("mythos_edge_connections"),
        "opened": value("mythos_edge_connections_opened_total"),
        "forwarded": value("mythos_edge_commands_forwarded_total"),
        "malformed": value("mythos_edge_frames_rejected_total", reason="malformed"),
        "binary": value("mythos_edge_frames_rejected_total", reason="binary"),
        "delivered": value("mythos_edge_messages_delivered_total"),
        "closed_1000": value("mythos_edge_connections_closed_total", code="1000"),
    }
    with client.websocket_connect("/api/ws?token=p1") as ws:
        assert value("mythos_edge_connections") == before["open"] + 1
        assert value("mythos_edge_connections_opened_total") == before["opened"] + 1
        ws.send_text(json.dumps({"command": "say", "args": ["hi"], "command_id": "c1"}))
        ws.send_text("{not json")
        ws.send_bytes(b"\x00")
        ws.send_text(json.dumps({"command": "ping"}))
        # Frames are handled in order: once the pong is back, the three before it were.
        assert ws.receive_json()["event_type"] == "pong"
        assert value("mythos_edge_commands_forwarded_total") == before["forwarded"] + 1
        assert value("mythos_edge_frames_rejected_total", reason="malformed") == (
            before["malformed"] + 1
        )
        assert value("mythos_edge_frames_rejected_total", reason="binary") == before["binary"] + 1
        eventually(lambda: value("mythos_edge_messages_delivered_total") == before["delivered"] + 1)
        ws.close(1000)
        eventually(
            lambda: (
                value("mythos_edge_connections_closed_total", code="1000")
                == before["closed_1000"] + 1
            )
        )
    assert value("mythos_edge_connections") == before["open"]


def test_an_oversized_frame_counts_as_too_large_and_closes_1009() -> None:
    with TestClient(_app(max_frame_bytes=256)) as client:
        too_large = value("mythos_edge_frames_rejected_total", reason="too_large")
        closed = value("mythos_edge_connections_closed_total", code="1009")
        with client.websocket_connect("/api/ws?token=p1") as ws:
            ws.send_text(json.dumps({"command": "say", "args": ["x" * 400]}))
            with pytest.raises(WebSocketDisconnect) as ended:
                ws.receive_text()
            assert ended.value.code == 1009
            eventually(
                lambda: value("mythos_edge_connections_closed_total", code="1009") == closed + 1
            )
        assert value("mythos_edge_frames_rejected_total", reason="too_large") == too_large + 1


def test_a_flood_counts_refusals_then_closes_1008() -> None:
    settings = {"commands_per_second": 0.001, "command_burst": 2, "max_refused_per_minute": 2}
    with TestClient(_app(**settings)) as client:
        names = ("forwarded", "rate_limited", "closed_1008")
        counters = (
            lambda: value("mythos_edge_commands_forwarded_total"),
            lambda: value("mythos_edge_frames_rejected_total", reason="rate_limited"),
            lambda: value("mythos_edge_connections_closed_total", code="1008"),
        )
        before = [read() for read in counters]
        with client.websocket_connect("/api/ws?token=p1") as ws:
            ws.send_text(json.dumps({"command": "ping"}))  # a frame like any other
            assert ws.receive_json()["event_type"] == "pong"
            for i in range(5):
                ws.send_text(json.dumps({"command": "look", "command_id": f"c{i}"}))
            with pytest.raises(WebSocketDisconnect) as ended:
                while True:
                    ws.receive_text()
            assert ended.value.code == 1008
        eventually(lambda: counters[2]() == before[2] + 1)
        moved = {n: read() - b for n, read, b in zip(names, counters, before, strict=True)}
        # c0 ran; c1, c2 refused; c3 refused once too many: closed; c4 never read.
        assert moved == {"forwarded": 1, "rate_limited": 3, "closed_1008": 1}


def test_a_full_edge_refuses_with_503_and_reports_its_cap() -> None:
    with TestClient(_app(max_connections=1)) as client:
        assert value("mythos_edge_connection_cap") == 1
        with client.websocket_connect("/api/ws?token=p1"):
            with pytest.raises(WebSocketDenialResponse) as refused:
                with client.websocket_connect("/api/ws?token=p2"):
                    pass
            assert refused.value.status_code == 503
            assert "full" in refused.value.json()["detail"]
        with client.websocket_connect("/api/ws?token=p2"):  # the slot was given back
            pass


async def test_resumes_count_resumed_or_resync_by_what_the_game_sends() -> None:
    bus = InMemoryBus(InMemoryBroker())
    await bus.connect()
    await bus.declare_queue("mythos.edge.ops", exclusive=True, dead_letter=False)
    registry = ConnectionRegistry()
    fanout = Fanout(bus, registry, RoomBindings(bus, "mythos.edge.ops"), "ops", max_pending=10)
    went_on, restarted = Connection("c1", "p1", "A", limit=10), Connection("c2", "p2", "B", 10)
    for conn in (went_on, restarted):
        conn.follow("e1", 5)  # what a resume request sets up
        conn.resuming = True
        registry.add(conn)
    resumed = value("mythos_edge_resumes_total", outcome="resumed")
    resync = value("mythos_edge_resumes_total", outcome="resync")

    async def event(envelope: EventEnvelope) -> None:
        await fanout.on_event(type("D", (), {"body": envelope.model_dump_json().encode()})())

    await event(EventEnvelope(event_type="chat_message", data={}, recipients={"p1": 6}))
    new_stream = {"epoch": "e2", "room": {"id": "hall"}}
    await event(
        EventEnvelope(
            event_type="game_state", data=new_stream, recipients={"p2": 1}, connection_id="c2"
        )
    )
    await event(EventEnvelope(event_type="chat_message", data={}, recipients={"p1": 7, "p2": 2}))
    assert value("mythos_edge_resumes_total", outcome="resumed") == resumed + 1
    assert value("mythos_edge_resumes_total", outcome="resync") == resync + 1
    assert not went_on.resuming and not restarted.resuming
    await bus.close()


async def test_a_streams_own_game_state_published_again_is_not_delivered_again() -> None:
    """A game taking the shard over publishes its predecessor's last messages once more;
    the connection's game_state among them is a copy (same epoch), dropped by number
    like any other, not the start of a stream to deliver again."""
    bus = InMemoryBus(InMemoryBroker())
    await bus.connect()
    await bus.declare_queue("mythos.edge.ops", exclusive=True, dead_letter=False)
    registry = ConnectionRegistry()
    fanout = Fanout(bus, registry, RoomBindings(bus, "mythos.edge.ops"), "ops", max_pending=10)
    conn = Connection("c1", "p1", "A", limit=10)
    registry.add(conn)

    async def event(envelope: EventEnvelope) -> None:
        await fanout.on_event(type("D", (), {"body": envelope.model_dump_json().encode()})())

    state = EventEnvelope(
        event_type="game_state",
        data={"epoch": "e1", "room": {"id": "hall"}},
        recipients={"p1": 1},
        connection_id="c1",
    )
    chat = EventEnvelope(event_type="chat_message", data={}, recipients={"p1": 2})
    for envelope in (state, chat, state, chat):  # the last two: published again
        await event(envelope)
    await asyncio.sleep(0)  # what a turn of the fan-out wrote goes out as it ends
    sent = [json.loads(item)["sequence_number"] for item in conn.socket._items]  # type: ignore[attr-defined]
    assert sent == [1, 2], sent
    assert conn.expected == 3
    await bus.close()


# --- log lines -------------------------------------------------------------------------


class Output:
    """What the process wrote to stdout so far (capsys hands each piece out only once)."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys
        self._text = ""

    def text(self) -> str:
        self._text += self._capsys.readouterr().out
        return self._text

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text().splitlines() if line.startswith("{")]

    def wait_for(self, needle: str) -> list[dict[str, Any]]:
        eventually(lambda: any(needle in line["msg"] for line in self.lines()))
        return self.lines()


def test_opened_and_closed_lines_name_player_and_connection(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    output = Output(capsys)
    closed_other = value("mythos_edge_connections_closed_total", code="other")
    with logging_as_in_main("json"):
        with client.websocket_connect(f"/api/ws?token={JWT}") as ws:
            ws.close(4321, "bored")
            lines = output.wait_for("connection closed")
    opened = next(line for line in lines if line["msg"] == "connection opened")
    closed = next(line for line in lines if line["msg"].startswith("connection closed"))
    assert opened["service"] == "edge" and opened["level"] == "info"
    assert opened["player_id"] == closed["player_id"] == "p1"
    assert len(opened["connection_id"]) == 32
    assert opened["connection_id"] == closed["connection_id"]
    # A code outside the protocol's is logged as sent, and counted under "other".
    assert closed["code"] == 4321 and closed["reason"] == "bored"
    assert value("mythos_edge_connections_closed_total", code="other") == closed_other + 1
    assert JWT.split(".")[2] not in output.text()


def test_a_forwarded_commands_lines_carry_its_command_id(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    output = Output(capsys)
    with logging_as_in_main("json"):
        logging.getLogger("mythos_edge.entrypoints.session").setLevel(logging.DEBUG)
        try:
            with client.websocket_connect("/api/ws?token=p1") as ws:
                ws.send_text(json.dumps({"command": "look", "command_id": "cmd-42"}))
                lines = output.wait_for("command forwarded")
        finally:
            logging.getLogger("mythos_edge.entrypoints.session").setLevel(logging.NOTSET)
    forwarded = next(line for line in lines if line["msg"] == "command forwarded")
    assert forwarded["command_id"] == "cmd-42" and forwarded["command"] == "look"
    assert forwarded["player_id"] == "p1" and forwarded["connection_id"]
    # The id is bound for that command only, not for the rest of the connection.
    assert all("command_id" not in line for line in lines if "connection" in line["msg"])


async def test_uvicorns_access_line_for_a_query_token_is_redacted_and_has_the_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The real server: uvicorn logs ``"WebSocket /api/ws?token=..." [accepted]``, through
    the handler ``configure_logging`` installs, from inside the connection's task."""
    output = Output(capsys)
    with logging_as_in_main("json"):
        server = uvicorn.Server(
            uvicorn.Config(_app(), host="127.0.0.1", port=0, log_config=None, lifespan="on")
        )
        serving = asyncio.create_task(server.serve())
        try:
            while not server.started:
                assert not serving.done(), "the server did not start"
                await asyncio.sleep(0.02)
            port = server.servers[0].sockets[0].getsockname()[1]
            async with websockets.connect(f"ws://127.0.0.1:{port}/api/ws?token={JWT}") as ws:
                await ws.send(json.dumps({"command": "ping"}))
                assert json.loads(await asyncio.wait_for(ws.recv(), 5))["event_type"] == "pong"
            for _ in range(250):  # the close line is written once the session has ended
                if "connection closed" in output.text():
                    break
                await asyncio.sleep(0.02)
        finally:
            server.should_exit = True
            await serving
    text = output.text()
    print(text)
    assert JWT not in text and JWT.split(".")[2] not in text, "the token reached a log line"
    access = [line for line in output.lines() if "/api/ws?token=" in line["msg"]]
    assert access, "uvicorn logs the socket's path: this test must see that line"
    assert all("/api/ws?token=[redacted]" in line["msg"] for line in access)
    opened = next(line for line in output.lines() if line["msg"] == "connection opened")
    assert access[0]["player_id"] == "p1"
    assert access[0]["connection_id"] == opened["connection_id"]


# --- health ----------------------------------------------------------------------------


def test_healthz_readyz_and_metrics_answer_at_the_root(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) == {"started", "bus", "draining"}
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    for name in (
        "mythos_edge_connections ",
        "mythos_edge_connection_cap ",
        "mythos_edge_connections_opened_total ",
        "mythos_edge_commands_forwarded_total ",
        "mythos_edge_messages_delivered_total ",
        "mythos_edge_draining 0.0",
        'mythos_edge_frames_rejected_total{reason="rate_limited"}',
        'mythos_edge_resumes_total{outcome="resync"}',
        'mythos_edge_connections_closed_total{code="1012"}',
    ):
        assert name in metrics.text, name
    assert client.get("/api/healthz").status_code == 200  # the launcher's probe stays


def test_not_ready_before_the_lifespan_ran() -> None:
    client = TestClient(_app())  # no ``with``: no lifespan, no bus connection
    ready = client.get("/readyz")
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert not checks["started"]["ok"] and not checks["bus"]["ok"]
    assert client.get("/healthz").status_code == 200  # alive all the same


def test_draining_turns_readyz_503_closes_clients_1012_and_refuses_new_ones(
    client: TestClient,
) -> None:
    with client.websocket_connect("/api/ws?token=p1") as ws:
        drain(client.app, 1012, "server restarting: reconnect to resume")  # type: ignore[arg-type]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 1012
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["draining"] == {"ok": False, "detail": "Draining"}
    assert value("mythos_edge_draining") == 1
    with pytest.raises(WebSocketDenialResponse) as refused:
        with client.websocket_connect("/api/ws?token=p2"):
            pass
    assert refused.value.status_code == 503
    assert client.get("/healthz").status_code == 200  # draining is not dying


async def test_a_stop_signal_drains_before_the_server_stops() -> None:
    """What SIGTERM does under the contract's lifecycle: clients get 1012 and the edge
    reports draining while the server still serves, then it stops."""
    bus = InMemoryBus(InMemoryBroker())
    settings = EdgeSettings(instance_id="ops", edge_heartbeat_seconds=60)
    app = create_app(settings, bus, verifier=AnyTokenVerifier())
    port = free_port()
    plan = Plan(
        service=edge_service(app),
        served=Served(app, "127.0.0.1", port, uvicorn_options={"lifespan": "off"}),
        bus=bus,
    )
    serving = asyncio.create_task(serve(plan, grace=10.0, signals=[signal.SIGUSR1]))
    for _ in range(200):
        with contextlib.suppress(OSError):
            async with websockets.connect(f"ws://127.0.0.1:{port}/api/ws?token=p1") as ws:
                os.kill(os.getpid(), signal.SIGUSR1)
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), 5)
                break
        await asyncio.sleep(0.05)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
    assert "reconnect" in closed.value.rcvd.reason
    assert value("mythos_edge_draining") == 1
    await asyncio.wait_for(serving, 15)
