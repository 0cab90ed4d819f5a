"""Revoked logins and in-band auth at the edge: the real app on the in-process bus, with a
stand-in verifier whose tokens say ``<player>:<sid>:<role>``. What reaches the game is read
off the bus; revocations are published on the accounts exchange as auth does."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterator

import pytest
from mythos_contracts.accounts import AccountRevoked
from mythos_contracts.routing import ACCOUNTS_EXCHANGE, revocation_key
from mythos_edge.adapters.token_verifier import Identity, InvalidToken
from mythos_edge.app import create_app
from mythos_edge.service_layer.connections import Connection, ConnectionRegistry
from mythos_edge.service_layer.revocations import Revocations
from mythos_edge.settings import EdgeSettings
from served_edge import SpyBus
from starlette.exceptions import StarletteDeprecationWarning
from starlette.websockets import WebSocketDisconnect

with warnings.catch_warnings():  # "install httpx2": the test client works as it is
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient, WebSocketDenialResponse


class SidVerifier:
    """``<player>:<sid>:<role>`` verifies (role defaults to player); anything else is forged."""

    async def verify(self, token: str) -> Identity:
        parts = token.split(":")
        if len(parts) not in (2, 3):
            raise InvalidToken("Signature verification failed")
        role = parts[2] if len(parts) == 3 else "player"
        return Identity(parts[0], parts[0].title(), role, time.time() + 600, session_id=parts[1])


@pytest.fixture
def edge() -> Iterator[tuple[TestClient, SpyBus]]:
    bus = SpyBus()
    settings = EdgeSettings(instance_id="t", edge_heartbeat_seconds=60)
    with TestClient(create_app(settings, bus, verifier=SidVerifier())) as client:
        yield client, bus


def _auth(token: str, command_id: str) -> str:
    return json.dumps({"command": "auth", "args": [token], "command_id": command_id})


def _revoke(client: TestClient, bus: SpyBus, revoked: AccountRevoked) -> None:
    body = revoked.model_dump_json().encode()
    client.portal.call(  # type: ignore[union-attr]
        bus.publish, ACCOUNTS_EXCHANGE, revocation_key(revoked.account_id), body
    )


def test_in_band_auth_needs_the_same_login_and_the_role_follows_each_token(
    edge: tuple[TestClient, SpyBus],
) -> None:
    client, bus = edge
    with client.websocket_connect("/api/ws", subprotocols=["bearer", "p1:s1:admin"]) as ws:
        ws.send_text(json.dumps({"command": "kick", "args": ["x"], "command_id": "c1"}))
        ws.send_text(_auth("p1:s2:admin", "a1"))  # the same player, another login
        ws.send_text(_auth("p1:s1", "a2"))  # the same login, demoted
        assert ws.receive_json()["event_type"] == "auth_ok"
        ws.send_text(json.dumps({"command": "kick", "args": ["x"], "command_id": "c2"}))
        commands = bus.wait_for("command", 2)
        refused = bus.wait_for("invalid")
    assert [(c["command_id"], c["player_role"]) for c in commands] == [
        ("c1", "admin"),
        ("c2", "player"),
    ]
    assert refused[0]["command_id"] == "a1" and "another login" in refused[0]["reason"]


def test_a_revocation_closes_the_logins_sockets_4009_and_refuses_their_tokens(
    edge: tuple[TestClient, SpyBus],
) -> None:
    client, bus = edge
    with (
        client.websocket_connect("/api/ws", subprotocols=["bearer", "p1:s1"]) as ended,
        client.websocket_connect("/api/ws", subprotocols=["bearer", "p1:s2"]) as other,
    ):
        bus.wait_for("session_open", 2)
        _revoke(
            client,
            bus,
            AccountRevoked(
                account_id="p1", reason="logout", session_ids=["s1"], whole_account=False
            ),
        )
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                ended.receive_text()
        assert closed.value.code == 4009 and "signed out" in closed.value.reason
        # The other login of the same account stays.
        other.send_text(json.dumps({"command": "ping"}))
        assert other.receive_json()["event_type"] == "pong"
        # Its token cannot come back in-band either.
        other.send_text(_auth("p1:s1", "a1"))
        assert "another login" in bus.wait_for("invalid")[0]["reason"]
    closes = bus.wait_for("session_close", 2)
    assert sorted(c["quit"] for c in closes) == [False, True]  # only the revoked one quits
    with pytest.raises(WebSocketDenialResponse) as refused:
        with client.websocket_connect("/api/ws", subprotocols=["bearer", "p1:s1"]):
            pass
    assert refused.value.status_code == 403 and "revoked" in refused.value.json()["detail"]


def test_a_ban_closes_every_socket_of_the_account(edge: tuple[TestClient, SpyBus]) -> None:
    client, bus = edge
    with (
        client.websocket_connect("/api/ws", subprotocols=["bearer", "p1:s1"]) as one,
        client.websocket_connect("/api/ws", subprotocols=["bearer", "p1:s2"]) as two,
        client.websocket_connect("/api/ws", subprotocols=["bearer", "p2:s3"]) as bystander,
    ):
        bus.wait_for("session_open", 3)
        _revoke(
            client,
            bus,
            AccountRevoked(
                account_id="p1", reason="banned", session_ids=["s1", "s2"], whole_account=True
            ),
        )
        for ws in (one, two):
            with pytest.raises(WebSocketDisconnect) as closed:
                while True:
                    ws.receive_text()
            assert closed.value.code == 4009 and "banned" in closed.value.reason
        bystander.send_text(json.dumps({"command": "ping"}))
        assert bystander.receive_json()["event_type"] == "pong"


def test_revoked_logins_are_forgotten_after_the_memory_period_and_beyond_the_cap() -> None:
    now = [0.0]
    registry = ConnectionRegistry()
    revocations = Revocations(registry, memory_seconds=100, max_entries=2, clock=lambda: now[0])
    conn = Connection("c1", "p1", "P1", limit=10, session_id="s1")
    registry.add(conn)
    revocations.apply(
        AccountRevoked(account_id="p1", reason="logout", session_ids=["s1"], whole_account=False)
    )
    assert revocations.revoked("s1") and not revocations.revoked(None)
    assert conn.closing and conn.close_code == 4009  # its close is on its way
    now[0] = 50.0
    for sid in ("s2", "s3"):
        revocations.apply(
            AccountRevoked(account_id="p9", reason="logout", session_ids=[sid], whole_account=False)
        )
    assert len(revocations) == 2 and not revocations.revoked("s1")  # the oldest went first
    now[0] = 151.0
    assert not revocations.revoked("s2")
