"""The edge's handshake and frame guards at the ASGI level: the real app on the in-process
bus, with a stand-in token verifier. What reaches the game is read off the bus."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from mythos_contracts.routing import edge_queue
from mythos_edge.adapters.token_verifier import (
    Identity,
    InvalidToken,
    JwksTokenVerifier,
    KeysUnavailable,
    TokenExpired,
)
from mythos_edge.app import create_app
from mythos_edge.settings import EdgeSettings
from served_edge import SpyBus
from starlette.exceptions import StarletteDeprecationWarning
from starlette.websockets import WebSocketDisconnect

with warnings.catch_warnings():  # "install httpx2": the test client works as it is
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient, WebSocketDenialResponse


class FakeVerifier:
    """``good:<player>:<seconds left>`` verifies; ``expired:...`` is expired; else forged."""

    async def verify(self, token: str) -> Identity:
        kind, _, rest = token.partition(":")
        if kind == "expired":
            raise TokenExpired("token expired")
        if kind == "nokeys":
            raise KeysUnavailable("signing keys are unavailable; try again shortly")
        if kind != "good":
            raise InvalidToken("Signature verification failed")
        player, _, ttl = rest.partition(":")
        return Identity(player, player.title(), expires_at=time.time() + float(ttl or 600))


@pytest.fixture
def edge() -> Iterator[tuple[TestClient, SpyBus]]:
    yield from _edge()


def _edge(**settings: Any) -> Iterator[tuple[TestClient, SpyBus]]:
    bus = SpyBus()
    defaults: dict[str, Any] = {"instance_id": "t", "edge_heartbeat_seconds": 60}
    app = create_app(EdgeSettings(**{**defaults, **settings}), bus, verifier=FakeVerifier())
    with TestClient(app) as client:
        yield client, bus


def _say(text: str, command_id: str) -> str:
    return json.dumps({"command": "say", "args": [text], "command_id": command_id})


@pytest.mark.parametrize(
    ("token", "why"),
    [("forged", "invalid token"), ("expired:p1", "token expired"), ("", "no token")],
)
def test_a_bad_token_is_refused_at_the_handshake(
    edge: tuple[TestClient, SpyBus], token: str, why: str
) -> None:
    client, bus = edge
    with pytest.raises(WebSocketDenialResponse) as refused:
        with client.websocket_connect("/api/ws", subprotocols=["bearer", token] if token else []):
            pass
    assert refused.value.status_code == 403
    assert why in refused.value.json()["detail"]
    assert bus.sent("session_open") == []


def test_unreachable_signing_keys_are_503_not_a_bad_token(
    edge: tuple[TestClient, SpyBus],
) -> None:
    client, _ = edge
    with pytest.raises(WebSocketDenialResponse) as refused:
        with client.websocket_connect("/api/ws", subprotocols=["bearer", "nokeys"]):
            pass
    assert refused.value.status_code == 503 and "try again" in refused.value.json()["detail"]


async def test_the_jwks_verifier_says_when_the_keys_cannot_be_fetched() -> None:
    verifier = JwksTokenVerifier("http://127.0.0.1:9/jwks.json", issuer="i", audience="a")
    token = "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.eyJzdWIiOiJ4In0.c2ln"  # kid k1, unknown
    with pytest.raises(KeysUnavailable):
        await verifier.verify(token)
    with pytest.raises(InvalidToken, match="too long"):
        await verifier.verify("x" * 5000)


def test_query_token_works_and_subprotocol_wins(edge: tuple[TestClient, SpyBus]) -> None:
    client, bus = edge
    with client.websocket_connect("/api/ws?token=good:p1") as ws:
        ws.send_text(json.dumps({"command": "ping"}))
        assert ws.receive_json()["event_type"] == "pong"
    with client.websocket_connect("/api/ws?token=forged", subprotocols=["bearer", "good:p2"]) as ws:
        assert ws.accepted_subprotocol == "bearer"
    assert [m["player_id"] for m in bus.wait_for("session_open", 2)] == ["p1", "p2"]


def test_a_foreign_origin_is_refused_and_the_own_origins_are_not(
    edge: tuple[TestClient, SpyBus],
) -> None:
    client, _ = edge
    auth = ["bearer", "good:p1"]
    with pytest.raises(WebSocketDenialResponse) as refused:
        with client.websocket_connect(
            "/api/ws", subprotocols=auth, headers={"origin": "http://evil.example"}
        ):
            pass
    assert refused.value.status_code == 403 and "origin" in refused.value.json()["detail"]
    for origin in ("http://127.0.0.1:54731", "http://localhost:54731", "http://testserver"):
        with client.websocket_connect("/api/ws", subprotocols=auth, headers={"origin": origin}):
            pass


def test_connection_caps_per_address_and_per_account() -> None:
    for client, _ in _edge(max_connections_per_ip=3, max_connections_per_account=2):
        with (
            client.websocket_connect("/api/ws?token=good:p1"),
            client.websocket_connect("/api/ws?token=good:p1"),
        ):
            with pytest.raises(WebSocketDenialResponse) as account:
                with client.websocket_connect("/api/ws?token=good:p1"):
                    pass
            assert "account" in account.value.json()["detail"]
            with client.websocket_connect("/api/ws?token=good:p2"):
                with pytest.raises(WebSocketDenialResponse) as address:
                    with client.websocket_connect("/api/ws?token=good:p3"):
                        pass
                assert "address" in address.value.json()["detail"]
        # every slot was given back
        with client.websocket_connect("/api/ws?token=good:p1"):
            pass
        assert client.app.state.edge.caps.counts() == (0, 0)  # type: ignore[attr-defined]


def test_an_oversized_frame_closes_1009_a_malformed_small_one_does_not() -> None:
    for client, bus in _edge(max_frame_bytes=512):
        with client.websocket_connect("/api/ws?token=good:p1") as ws:
            ws.send_text("{not json")
            ws.send_bytes(b"\xff\xfe")
            ws.send_text(_say("x" * 400, "fits"))
            bus.wait_for("command")
            assert [m["reason"][:12] for m in bus.wait_for("invalid", 2)] == [
                "invalid JSON",
                "binary frame",
            ]
            ws.send_text(_say("x" * 600, "too-big"))
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_text()
            assert closed.value.code == 1009 and "512 bytes" in closed.value.reason
        assert [m["command_id"] for m in bus.sent("command")] == ["fits"]


def test_every_frame_draws_on_one_budget_and_each_refused_command_is_answered() -> None:
    for client, bus in _edge(commands_per_second=0.001, command_burst=3):
        with client.websocket_connect("/api/ws?token=good:p1") as ws:
            ws.send_text(json.dumps({"command": "ping"}))  # a frame like any other
            assert ws.receive_json()["event_type"] == "pong"
            for i in range(6):
                ws.send_text(_say("hi", f"c{i}"))
            ws.send_text(json.dumps({"command": "ping", "command_id": "p9"}))
            ws.send_text("not json")
            ws.send_text(json.dumps({"command": "auth", "args": ["good:p1"], "command_id": "a"}))
            refused = bus.wait_for("refused", 6)
            invalid = bus.wait_for("invalid")
        assert [m["command_id"] for m in bus.sent("command")] == ["c0", "c1"]
        assert [(m["command"], m["command_id"]) for m in refused] == [
            *[("say", f"c{i}") for i in range(2, 6)],
            ("ping", "p9"),
            ("auth", "a"),
        ]
        assert all(m["reason"].startswith("slow down") for m in refused)
        assert all(m["retry_after"] > 0 for m in refused)
        assert "good:" not in json.dumps(bus.to_game), "a token was forwarded to the game"
        assert [m["reason"][:9] for m in invalid] == ["slow down"]  # the frame was no command


def test_a_sustained_flood_is_closed_with_1008_and_nothing_after_it_is_read() -> None:
    for client, bus in _edge(commands_per_second=0.001, command_burst=1, max_refused_per_minute=3):
        with client.websocket_connect("/api/ws?token=good:p1") as ws:
            for i in range(7):
                ws.send_text(_say("hi", f"c{i}"))
            with pytest.raises(WebSocketDisconnect) as closed:
                while True:
                    ws.receive_text()
            assert closed.value.code == 1008 and "too many commands" in closed.value.reason
        bus.wait_for("session_close")
        assert [m["command_id"] for m in bus.sent("command")] == ["c0"]
        # c1-c3 refused; c4 is one refusal too many: refused (answered) and the socket closed.
        assert [m["command_id"] for m in bus.sent("refused")] == ["c1", "c2", "c3", "c4"]


def test_control_characters_never_reach_the_game(edge: tuple[TestClient, SpyBus]) -> None:
    client, bus = edge
    with client.websocket_connect("/api/ws?token=good:p1") as ws:
        ws.send_text(_say("\x1b]0;owned\x07\x1b[31mred\x1b[0m a;b|c <i>'\"", "c1"))
        said = bus.wait_for("command")[0]
    assert said["args"] == ["red a;b|c <i>'\""]


def test_in_band_refresh_moves_the_deadline_and_never_forwards_the_token() -> None:
    for client, bus in _edge():
        with client.websocket_connect("/api/ws?token=good:p1:1") as ws:
            ws.send_text(
                json.dumps({"command": "auth", "args": ["good:p1:600"], "command_id": "a1"})
            )
            ok = ws.receive_json()
            assert ok["event_type"] == "auth_ok" and ok["sequence_number"] == 0
            assert ok["data"]["command_id"] == "a1" and ok["data"]["expires_in"] >= 590
            ws.send_text(
                json.dumps({"command": "auth", "args": ["good:p2:600"], "command_id": "a2"})
            )
            ws.send_text(json.dumps({"command": "auth", "args": ["forged"], "command_id": "a3"}))
            ws.send_text(json.dumps({"command": "AUTH", "command_id": "a4"}))
            ws.send_text(json.dumps({"command": " //Auth ", "args": ["good:p1:600"]}))
            assert ws.receive_json()["event_type"] == "auth_ok"
            refusals = bus.wait_for("invalid", 3)
            time.sleep(1.2)  # past the first token's expiry: still open
            ws.send_text(json.dumps({"command": "ping"}))
            assert ws.receive_json()["event_type"] == "pong"
        assert [(m["command_id"], m["reason"][:14]) for m in refusals] == [
            ("a2", "token refused:"),
            ("a3", "token refused:"),
            ("a4", 'auth: send {"c'),
        ]
        assert "another player" in refusals[0]["reason"]
        assert "good:" not in json.dumps(bus.to_game), "a token was forwarded to the game"


def test_an_expired_connection_is_closed_4003_and_runs_nothing_after() -> None:
    for client, bus in _edge():
        with client.websocket_connect("/api/ws?token=good:p1:0.5") as ws:
            with pytest.raises(WebSocketDisconnect) as closed:
                while True:
                    ws.receive_text()
            assert closed.value.code == 4003 and "expired" in closed.value.reason
        assert bus.sent("command") == []


def test_the_edge_queue_is_bounded_on_the_broker() -> None:
    for _, bus in _edge(event_queue_max_length=1234):
        queue = bus.broker.queues[edge_queue("t")]
        assert queue.max_length == 1234


@pytest.mark.parametrize("last_seq", ["²", "١٢", "12x", "-1", "1" * 16, ""])
def test_a_malformed_last_seq_is_a_fresh_start_not_a_dropped_socket(last_seq: str) -> None:
    for client, bus in _edge():
        query = urlencode(
            {"token": "good:p1", "session_id": "s", "epoch": "e", "last_seq": last_seq}
        )
        with client.websocket_connect(f"/api/ws?{query}") as ws:
            ws.send_text(json.dumps({"command": "ping"}))
            assert ws.receive_json()["event_type"] == "pong"
        assert bus.wait_for("session_open")[0]["resume"] is None


def test_a_well_formed_resume_reaches_the_game() -> None:
    for client, bus in _edge():
        with client.websocket_connect("/api/ws?token=good:p1&session_id=s&epoch=e&last_seq=7"):
            pass
        resume = bus.wait_for("session_open")[0]["resume"]
        assert resume == {"session_id": "s", "epoch": "e", "last_seq": 7}
