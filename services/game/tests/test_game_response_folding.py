"""A command's response rides on the room event it caused when the sender's edge receives
that event anyway: one publish per ``say`` instead of two. The response keeps its own
number (the batch's last for the sender) and its own history entry, so a replay gives it
back exactly as it was first sent; where it would reach the sender by no other way it
travels alone, as before."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import pytest
from mythos_contracts.bus import Bus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EventEnvelope, ReplayRequest, RoomBound
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    DEFAULT_SHARD,
    EVENTS_EXCHANGE,
    command_key,
    player_key,
    room_key,
)
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings

Peer = Any  # conftest.py's; not importable by name under --import-mode=importlib
START = "independence-square"


class CountingBus(InMemoryBus):
    """Records every message the game publishes on the events exchange, as published."""

    def __init__(self, broker: InMemoryBroker) -> None:
        super().__init__(broker)
        self.published: list[tuple[str, bytes]] = []

    async def publish(self, exchange: str, routing_key: str, body: bytes, **kwargs: Any) -> None:
        if exchange == EVENTS_EXCHANGE:
            self.published.append((routing_key, body))
        await super().publish(exchange, routing_key, body, **kwargs)

    async def publish_many(
        self, exchange: str, messages: Sequence[tuple[str, bytes]], *, persistent: bool = True
    ) -> None:
        if exchange == EVENTS_EXCHANGE:
            self.published.extend(messages)
        await super().publish_many(exchange, messages, persistent=persistent)


def _ids(pid: str) -> dict[str, str]:
    return {
        "player_id": pid,
        "player_name": pid.title(),
        "connection_id": f"c-{pid}",
        "edge_id": "edge-1",
    }


async def _send(peer: Peer, pid: str, message: Any) -> None:
    await peer.bus.publish(
        COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, pid), message.model_dump_json().encode()
    )


def _stream(peer: Peer, pid: str) -> list[tuple[int, EventEnvelope]]:
    return [
        (e.recipients[pid], e)
        for e in peer.events
        if pid in e.recipients and e.event_type not in ("heartbeat", "disconnect")
    ]


class World:
    def __init__(self, peer: Peer, bus: CountingBus) -> None:
        self.peer = peer
        self.bus = bus

    async def join(self, pid: str, *, bind: bool = True) -> None:
        """Connect ``pid`` (first command: adopted with a game_state), and, unless ``bind``
        is False, confirm as its edge would that the start room's key is bound."""
        await self.peer.send_command(pid, "look", command_id=f"{pid}-join")
        await self.peer.wait_until(lambda: len(self.peer.responses(pid)) == 1)
        if bind:
            await _send(self.peer, pid, RoomBound(room_id=START, **_ids(pid)))
            # The next command is handled after the RoomBound (one queue, in order).

    async def run(self, pid: str, command: str, *args: str, command_id: str) -> list[bytes]:
        """Run a command; what the game published for it, in order."""
        before = len(self.bus.published)
        answered = len(self.peer.responses(pid))
        await self.peer.send_command(pid, command, *args, command_id=command_id)
        await self.peer.wait_until(lambda: len(self.peer.responses(pid)) == answered + 1)
        return [body for _, body in self.bus.published[before:]]

    def keys_since(self, before: int) -> list[str]:
        return [key for key, _ in self.bus.published[before:]]


@pytest.fixture
async def world(
    peer_on: Callable[[Bus], Awaitable[Peer]], game_settings: Callable[..., GameSettings]
) -> AsyncIterator[World]:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    bus = CountingBus(broker)
    await bus.connect()
    # What one unit publishes, message by message: carriers (a turn's messages in one,
    # test_event_carriers.py) are off, so each is seen as the publisher made it.
    settings = game_settings(tick_seconds=3600.0, event_carrier_envelopes=1)  # no ticks
    service = GameService(settings, bus)
    await service.start()
    try:
        yield World(peer, bus)
    finally:
        await service.stop()
        await bus.close()
        await peer.bus.close()


def _gapless(peer: Peer, pid: str) -> bool:
    numbers = [seq for seq, _ in _stream(peer, pid)]
    return numbers == list(range(1, len(numbers) + 1))


async def test_a_say_is_one_publish_carrying_the_speakers_response_last(world: World) -> None:
    await world.join("alice")
    await world.join("bob")
    alice_before = _stream(world.peer, "alice")[-1][0]
    before = len(world.bus.published)

    (body,) = await world.run("alice", "say", "hello", command_id="a-1")

    assert world.keys_since(before) == [room_key(START, "chat_message")]
    chat, response = EventEnvelope.model_validate_json(body).carried()
    assert chat.event_type == "chat_message" and set(chat.recipients) == {"bob"}
    assert response.event_type == "command_response"
    assert response.recipients == {"alice": alice_before + 1}
    assert response.data["command_id"] == "a-1" and response.data["result"] == "You say: hello"
    assert response.connection_id is None and not response.folded
    # Exactly one response, and both streams gapless with it in place.
    assert len([r for r in world.peer.responses("alice") if r["command_id"] == "a-1"]) == 1
    assert _gapless(world.peer, "alice") and _gapless(world.peer, "bob")


async def test_a_folded_response_is_replayed_alone_exactly_as_it_was_sent(world: World) -> None:
    await world.join("alice")
    await world.join("bob")
    (body,) = await world.run("alice", "say", "for the record", command_id="a-2")
    _, sent = EventEnvelope.model_validate_json(body).carried()
    (seq,) = sent.recipients.values()
    epoch = next(
        e.data["epoch"] for _, e in _stream(world.peer, "alice") if e.event_type == "game_state"
    )
    before = len(world.bus.published)

    await _send(world.peer, "alice", ReplayRequest(epoch=epoch, from_seq=seq, **_ids("alice")))
    await world.peer.wait_until(lambda: len(world.bus.published) > before)

    assert world.keys_since(before) == [player_key("alice", "command_response")]
    (_, replayed_body), *_ = world.bus.published[before:]
    replayed = EventEnvelope.model_validate_json(replayed_body)
    assert not replayed.folded, "a replay carries nothing for anyone else"
    assert replayed.recipients == {"alice": seq} and replayed.connection_id == "c-alice"
    # The same message: same type, number, time and text as the one that rode the room event.
    assert replayed.for_recipient("alice") == sent.for_recipient("alice")


async def test_a_response_travels_alone_where_no_room_event_reaches_the_sender(
    world: World,
) -> None:
    await world.join("alice")
    await world.join("bob")
    await world.join("carol", bind=False)  # her edge has not confirmed the room yet

    # A command with no room event: its response alone, on the player's key.
    before = len(world.bus.published)
    await world.run("alice", "look", command_id="a-3")
    assert world.keys_since(before) == [player_key("alice", "command_response")]

    # The same command id again: the stored answer, alone.
    before = len(world.bus.published)
    (again,) = await world.run("alice", "look", command_id="a-3")
    assert world.keys_since(before) == [player_key("alice", "command_response")]
    assert not EventEnvelope.model_validate_json(again).folded

    # Carol's edge does not receive the room key yet: her response cannot ride on it.
    before = len(world.bus.published)
    await world.run("carol", "say", "not bound", command_id="c-1")
    assert world.keys_since(before) == [
        room_key(START, "chat_message"),
        player_key("carol", "command_response"),
    ]
    for _, body in world.bus.published[before:]:
        assert not EventEnvelope.model_validate_json(body).folded
    for pid in ("alice", "bob", "carol"):
        assert _gapless(world.peer, pid), pid


async def test_a_response_never_rides_on_a_message_for_another_players_edge(
    world: World,
) -> None:
    await world.join("alice")
    await world.join("bob")
    await world.join("dora", bind=False)  # in the room, her copies go by her player key

    # Bob is reached by the room key, Dora by her own key, which comes last in the batch:
    # Alice's response may not ride on Dora's message.
    before = len(world.bus.published)
    await world.run("alice", "say", "to both", command_id="a-4")
    assert world.keys_since(before) == [
        room_key(START, "chat_message"),
        player_key("dora", "chat_message"),
        player_key("alice", "command_response"),
    ]
    assert len([r for r in world.peer.responses("alice") if r["command_id"] == "a-4"]) == 1
    for pid in ("alice", "bob", "dora"):
        assert _gapless(world.peer, pid), pid


async def test_a_response_rides_on_a_message_on_the_players_own_key(world: World) -> None:
    # ``status`` sends the speaker a status_update, then answers: both on Alice's key, so
    # one publish; the update first, the answer right after it.
    await world.join("alice", bind=False)  # her own key needs no room binding
    alice_before = _stream(world.peer, "alice")[-1][0]
    before = len(world.bus.published)
    (body,) = await world.run("alice", "status", command_id="a-5")
    assert world.keys_since(before) == [player_key("alice", "status_update")]
    update, response = EventEnvelope.model_validate_json(body).carried()
    assert (update.event_type, response.event_type) == ("status_update", "command_response")
    assert update.recipients == {"alice": alice_before + 1}
    assert response.recipients == {"alice": alice_before + 2}
    assert _gapless(world.peer, "alice")
