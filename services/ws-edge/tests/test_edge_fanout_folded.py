"""A delivery that carries a folded envelope (a command's response riding on the room
event it caused) is split into the messages a client would have got from separate
deliveries: the same frames, in order, each once, held and replayed like any other.
A client's messages of one delivery reach its socket in one write."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from mythos_contracts.bus import Delivery
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EDGE_MESSAGE, EventEnvelope, ReplayRequest, fold
from mythos_contracts.routing import COMMANDS_EXCHANGE, room_key
from mythos_edge.service_layer.client_socket import Outbox
from mythos_edge.service_layer.connections import CLOSE_TOO_SLOW, Connection, ConnectionRegistry
from mythos_edge.service_layer.fanout import Fanout
from mythos_edge.service_layer.room_bindings import RoomBindings


class RecordingBus(InMemoryBus):
    """Keeps what the edge sends the game (replay requests)."""

    def __init__(self) -> None:
        super().__init__(InMemoryBroker())
        self.to_game: list[Any] = []

    async def publish(self, exchange: str, routing_key: str, body: bytes, **kw: Any) -> None:
        if exchange == COMMANDS_EXCHANGE:
            self.to_game.append(EDGE_MESSAGE.validate_json(body))
        await super().publish(exchange, routing_key, body, **kw)

    async def bind(self, queue: str, exchange: str, pattern: str) -> None:
        await asyncio.sleep(0)  # as the broker's answer would: the loop turns meanwhile
        await super().bind(queue, exchange, pattern)


class Edge:
    def __init__(self, bus: RecordingBus) -> None:
        self.bus = bus
        self.registry = ConnectionRegistry()
        self.fanout = Fanout(
            bus, self.registry, RoomBindings(bus, "mythos.edge.t"), "t", max_pending=10
        )

    def connect(self, player_id: str, expected: int) -> Connection:
        conn = Connection(f"c-{player_id}", player_id, player_id.title(), limit=100)
        conn.follow("epoch-1", expected - 1)
        self.registry.add(conn)
        return conn

    async def deliver(self, body: bytes) -> None:
        """One delivery, then the end of the loop's turn (when held messages are written)."""
        await self.fanout.on_event(Delivery(room_key("hall", "chat_message"), body))
        await asyncio.sleep(0)


async def _edge() -> Edge:
    bus = RecordingBus()
    await bus.connect()
    await bus.declare_queue("mythos.edge.t", exclusive=True, dead_letter=False)
    return Edge(bus)


def _sent(conn: Connection) -> list[dict[str, Any]]:
    out = []
    outbox = conn.socket
    assert isinstance(outbox, Outbox)
    while not outbox.empty():
        item = outbox.get_nowait()
        assert isinstance(item, str)
        out.append(json.loads(item))
    return out


def _chat(recipients: dict[str, int]) -> EventEnvelope:
    data = {"channel": "say", "message": "hi", "text": "Alice says: hi"}
    return EventEnvelope(
        event_type="chat_message", room_id="hall", data=data, recipients=recipients
    )


def _response(seq: int) -> EventEnvelope:
    data = {"command": "say", "command_id": "x", "success": True, "result": "You say: hi"}
    return EventEnvelope(event_type="command_response", data=data, recipients={"alice": seq})


def _body(envelope: EventEnvelope) -> bytes:
    return envelope.model_dump_json().encode()


async def test_each_recipient_gets_its_frames_as_if_they_had_come_separately() -> None:
    chat, response = _chat({"bob": 4}), _response(7)
    apart = await _edge()
    alice, bob = apart.connect("alice", 7), apart.connect("bob", 4)
    await apart.deliver(_body(chat))
    await apart.deliver(_body(response))
    expected = {"alice": _sent(alice), "bob": _sent(bob)}

    folded = await _edge()
    alice, bob = folded.connect("alice", 7), folded.connect("bob", 4)
    await folded.deliver(fold(_body(chat), [_body(response)]))
    assert {"alice": _sent(alice), "bob": _sent(bob)} == expected
    assert [m["sequence_number"] for m in expected["alice"]] == [7]
    assert expected["alice"][0]["event_type"] == "command_response"
    assert [m["sequence_number"] for m in expected["bob"]] == [4]
    assert alice.expected == 8 and bob.expected == 5
    await apart.bus.close()
    await folded.bus.close()


async def test_the_carrier_is_delivered_before_what_rides_on_it() -> None:
    edge = await _edge()
    alice = edge.connect("alice", 6)
    await edge.deliver(fold(_body(_chat({"alice": 6, "bob": 2})), [_body(_response(7))]))
    sent = _sent(alice)
    assert [(m["event_type"], m["sequence_number"]) for m in sent] == [
        ("chat_message", 6),
        ("command_response", 7),
    ]
    await edge.bus.close()


async def test_a_redelivered_fold_shows_nothing_twice() -> None:
    edge = await _edge()
    alice, bob = edge.connect("alice", 7), edge.connect("bob", 4)
    body = fold(_body(_chat({"bob": 4})), [_body(_response(7))])
    await edge.deliver(body)
    await edge.deliver(body)
    assert [m["sequence_number"] for m in _sent(alice)] == [7]
    assert [m["sequence_number"] for m in _sent(bob)] == [4]
    await edge.bus.close()


async def test_a_folded_response_ahead_of_a_gap_is_held_until_the_replay_fills_it() -> None:
    edge = await _edge()
    alice = edge.connect("alice", 5)
    await edge.deliver(fold(_body(_chat({"bob": 4})), [_body(_response(7))]))
    assert _sent(alice) == []
    (request,) = edge.bus.to_game
    assert isinstance(request, ReplayRequest) and request.from_seq == 5
    for seq in (5, 6):  # the replay, to this connection
        replayed = EventEnvelope(
            event_type="room_update",
            data={"room": {"id": "hall"}},
            recipients={"alice": seq},
            connection_id="c-alice",
        )
        await edge.deliver(_body(replayed))
    sent = _sent(alice)
    assert [m["sequence_number"] for m in sent] == [5, 6, 7]
    assert sent[-1]["event_type"] == "command_response"
    await edge.bus.close()


async def test_a_fold_for_a_player_elsewhere_is_ignored() -> None:
    edge = await _edge()
    bob = edge.connect("bob", 4)
    await edge.deliver(fold(_body(_chat({"bob": 4})), [_body(_response(7))]))
    assert [m["event_type"] for m in _sent(bob)] == ["chat_message"]
    assert edge.registry.of_player("alice") == ()
    await edge.bus.close()


class CallsSocket:
    """A client socket that keeps each call: the writes as they would reach the network."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def send(self, payload: bytes) -> None:
        self.calls.append(("send", [json.loads(payload)["event_type"]]))

    def send_many(self, payloads: list[bytes]) -> None:
        self.calls.append(("send_many", [json.loads(p)["event_type"] for p in payloads]))

    def buffered(self) -> int:
        return 0

    def close(self, code: int, reason: str) -> None:
        self.calls.append(("close", [str(code)]))


def _on_calls(edge: Edge, player_id: str, expected: int) -> tuple[Connection, CallsSocket]:
    conn = edge.connect(player_id, expected)
    socket = CallsSocket()
    conn.socket = socket
    return conn, socket


async def test_a_clients_messages_of_one_delivery_go_in_one_write() -> None:
    edge = await _edge()
    _, alice = _on_calls(edge, "alice", 6)
    _, bob = _on_calls(edge, "bob", 2)
    await edge.deliver(fold(_body(_chat({"alice": 6, "bob": 2})), [_body(_response(7))]))
    assert alice.calls == [("send_many", ["chat_message", "command_response"])]
    assert bob.calls == [("send", ["chat_message"])]
    await edge.bus.close()


async def test_deliveries_handled_in_one_turn_reach_a_client_in_one_write_after_it() -> None:
    edge = await _edge()
    _, alice = _on_calls(edge, "alice", 6)
    _, bob = _on_calls(edge, "bob", 2)
    key = room_key("hall", "chat_message")
    await edge.fanout.on_event(Delivery(key, _body(_chat({"alice": 6, "bob": 2}))))
    await edge.fanout.on_event(Delivery(key, _body(_chat({"alice": 7}))))
    assert alice.calls == [] and bob.calls == []  # held until the turn ends
    await asyncio.sleep(0)
    assert alice.calls == [("send_many", ["chat_message", "chat_message"])]
    assert bob.calls == [("send", ["chat_message"])]
    await edge.deliver(_body(_chat({"alice": 8})))  # the next turn's: a write of its own
    assert alice.calls[-1] == ("send", ["chat_message"])
    await edge.bus.close()


def _one_held(edge: Edge) -> tuple[Connection, CallsSocket, list[Connection]]:
    """Alice's connection holding one chat line, as the fan-out leaves it mid-turn."""
    conn, alice = _on_calls(edge, "alice", 6)
    holding: list[Connection] = []
    assert conn.write(_body(_chat({"alice": 6})), holding)
    return conn, alice, holding


async def test_a_write_from_elsewhere_while_messages_are_held_goes_after_them() -> None:
    edge = await _edge()
    conn, alice, holding = _one_held(edge)
    assert conn.write(_body(_response(7)))  # e.g. an answer of the edge's own
    assert alice.calls == [] and holding == [conn]
    conn.release()
    assert alice.calls == [("send_many", ["chat_message", "command_response"])]
    conn.release()  # nothing held: nothing written
    assert conn.write(_body(_response(8)))
    assert alice.calls[-1] == ("send", ["command_response"])
    await edge.bus.close()


async def test_a_close_while_messages_are_held_sends_them_first() -> None:
    edge = await _edge()
    conn, alice, holding = _one_held(edge)
    conn.close_after_flush(CLOSE_TOO_SLOW, "too slow")
    conn.release()
    assert not conn.write(_body(_response(7)), holding)
    assert alice.calls == [("send", ["chat_message"]), ("close", [str(CLOSE_TOO_SLOW)])]
    await edge.bus.close()


async def test_messages_written_after_an_await_in_a_delivery_still_go_out() -> None:
    # A room change binds the room (an await on the bus): the turn that began the
    # delivery may end meanwhile, and what is written after must go out in a later one.
    edge = await _edge()
    alice, _ = _on_calls(edge, "alice", 1)
    alice.live = False
    _, bob = _on_calls(edge, "bob", 2)
    state = EventEnvelope(
        event_type="game_state",
        data={"epoch": "epoch-2", "room": {"id": "hall"}},
        recipients={"alice": 1},
        connection_id="c-alice",
    )
    await edge.deliver(fold(_body(state), [_body(_chat({"bob": 2}))]))
    for _ in range(5):
        await asyncio.sleep(0)
    assert bob.calls == [("send", ["chat_message"])]
    await edge.bus.close()
