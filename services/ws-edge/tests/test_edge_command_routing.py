"""The edge sends a connection's inputs by its route (docs/architecture.md, "The edge's
route"): to the lobby before any envelope names the player's shard, then to that shard,
once every input sent to the lobby is answered. The real app on the in-process bus, with
a stand-in token verifier; what reaches the game is read off the bus with its key."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EventEnvelope
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    DEFAULT_SHARD,
    EVENTS_EXCHANGE,
    LOBBY_SHARD,
    command_key,
    player_key,
)
from mythos_edge.adapters.token_verifier import Identity
from mythos_edge.app import create_app
from mythos_edge.settings import EdgeSettings
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():  # "install httpx2": the test client works as it is
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient


class FakeVerifier:
    async def verify(self, token: str) -> Identity:
        return Identity(token, token.title(), expires_at=time.time() + 600)


class SpyBus(InMemoryBus):
    def __init__(self) -> None:
        super().__init__(InMemoryBroker())
        self.to_game: list[tuple[str, dict[str, Any]]] = []

    async def publish(self, exchange: str, routing_key: str, body: bytes, **kw: Any) -> None:
        if exchange == COMMANDS_EXCHANGE and "player_id" in json.loads(body):  # not heartbeats
            self.to_game.append((routing_key, json.loads(body)))
        await super().publish(exchange, routing_key, body, **kw)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[tuple[str, dict[str, Any]]]:
        deadline = time.monotonic() + timeout
        while len(self.to_game) < count:
            assert time.monotonic() < deadline, f"{count} messages: got {self.to_game}"
            time.sleep(0.01)
        return self.to_game


@pytest.fixture
def edge() -> Iterator[tuple[TestClient, SpyBus]]:
    bus = SpyBus()
    settings = EdgeSettings(instance_id="t", edge_heartbeat_seconds=60)
    with TestClient(create_app(settings, bus, verifier=FakeVerifier())) as client:
        yield client, bus


def _command(text: str, command_id: str) -> str:
    return json.dumps({"command": text, "command_id": command_id})


def test_inputs_go_to_the_lobby_until_the_shard_that_numbers_the_player_answers_them(
    edge: tuple[TestClient, SpyBus],
) -> None:
    client, bus = edge
    lobby, s1 = command_key(LOBBY_SHARD, "alice"), command_key(DEFAULT_SHARD, "alice")

    def from_game(envelope: EventEnvelope) -> None:
        body = envelope.model_dump_json().encode()
        client.portal.call(  # type: ignore[union-attr]
            bus.publish, EVENTS_EXCHANGE, player_key("alice", envelope.event_type), body
        )

    def answer(seq: int, delivery_id: str) -> EventEnvelope:
        data = {"command": "look", "command_id": None, "success": True, "result": "ok"}
        return EventEnvelope(
            event_type="command_response",
            data=data,
            recipients={"alice": seq},
            shard=DEFAULT_SHARD,
            answers=delivery_id,
        )

    with client.websocket_connect("/api/ws", subprotocols=["bearer", "alice"]) as ws:
        ((key, opened),) = bus.wait_for(1)
        assert (key, opened["kind"]) == (lobby, "session_open")
        ws.send_text(_command("look", "c1"))  # before any envelope: the lobby places her
        key, first = bus.wait_for(2)[1]
        assert (key, first["command_id"]) == (lobby, "c1")
        state = EventEnvelope(
            event_type="game_state",
            data={"epoch": "e1", "room": {"id": "hall"}},
            recipients={"alice": 1},
            connection_id=opened["connection_id"],
            shard=DEFAULT_SHARD,
            term=1,
        )
        from_game(state)  # s1 numbers her stream: the target, once c1 is answered
        assert json.loads(ws.receive_text())["event_type"] == "game_state"
        key, bound = bus.wait_for(3)[2]
        assert (key, bound["kind"]) == (lobby, "room_bound")  # answered by nothing
        ws.send_text(_command("say", "c2"))
        key, second = bus.wait_for(4)[3]
        assert (key, second["command_id"]) == (lobby, "c2")  # c1 is not answered yet
        from_game(answer(2, first["delivery_id"]))
        from_game(answer(3, second["delivery_id"]))
        for _ in range(2):
            frame = json.loads(ws.receive_text())
            assert frame["event_type"] == "command_response"
            assert "answers" not in frame  # the edge's, never the client's
        ws.send_text(_command("who", "c3"))
        key, third = bus.wait_for(5)[4]
        assert (key, third["command_id"]) == (s1, "c3")
    key, closed = bus.wait_for(6)[5]
    assert (key, closed["kind"]) == (s1, "session_close")
