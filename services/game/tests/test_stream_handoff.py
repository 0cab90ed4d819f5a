"""A planned game restart does not show: the stopping game hands every stream over and
the next one continues them (same epoch, next number, no game_state, nobody seen
leaving or entering, answered commands still answered once)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from mythos_contracts.bus import Bus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import (
    EdgeHeartbeat,
    EventEnvelope,
    HeldConnection,
    ResumeFrom,
    RoomBound,
    SessionClosed,
    SessionOpened,
)
from mythos_contracts.routing import COMMANDS_EXCHANGE, DEFAULT_SHARD, command_key
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings

Peer = Any  # conftest.py's; not importable by name under --import-mode=importlib
PeerOn = Callable[[Bus], Awaitable[Any]]
START = "independence-square"


def _ids(pid: str, connection: str | None = None) -> dict[str, str]:
    return {
        "player_id": pid,
        "player_name": pid.title(),
        "connection_id": connection or f"c-{pid}",
        "edge_id": "edge-1",
    }


async def _send(peer: Peer, pid: str, message: Any) -> None:
    await peer.bus.publish(
        COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, pid), message.model_dump_json().encode()
    )


def _stream(peer: Peer, pid: str) -> list[tuple[int, EventEnvelope]]:
    """(sequence number, event) of everything ``pid`` received, heartbeats aside."""
    return [
        (e.recipients[pid], e)
        for e in peer.events
        if pid in e.recipients and e.event_type not in ("heartbeat", "disconnect")
    ]


async def _game(broker: InMemoryBroker, settings: GameSettings) -> tuple[GameService, Bus]:
    bus = InMemoryBus(broker)
    await bus.connect()
    service = GameService(settings, bus)
    await service.start()
    return service, bus


async def _join(peer: Peer, *pids: str) -> None:
    for pid in pids:
        await _send(peer, pid, SessionOpened(**_ids(pid)))
        await peer.wait_until(
            lambda pid=pid: any(e.event_type == "game_state" for _, e in _stream(peer, pid))
        )
        await _send(peer, pid, RoomBound(room_id=START, **_ids(pid)))


async def test_a_graceful_restart_continues_every_stream(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    first, first_bus = await _game(broker, game_settings())
    await _join(peer, "alice", "bob")
    await peer.send_command("alice", "say", "before", command_id="a-1")
    await peer.wait_until(lambda: len(peer.responses("alice")) == 1)
    await peer.wait_until(
        lambda: any(e.event_type == "chat_message" for _, e in _stream(peer, "bob"))
    )
    before = {pid: _stream(peer, pid) for pid in ("alice", "bob")}
    epochs = {
        pid: next(e.data["epoch"] for _, e in before[pid] if e.event_type == "game_state")
        for pid in before
    }
    await first.stop()
    await first_bus.close()
    assert set(peer.handoffs) == {"alice", "bob"}

    second, second_bus = await _game(broker, game_settings())
    assert peer.handoffs == {}, "a handoff is taken once"
    # The edge still holds both connections; then Alice speaks again and re-sends a-1.
    held = [HeldConnection(**{k: v for k, v in _ids(p).items() if k != "edge_id"}) for p in before]
    await _send(peer, "alice", EdgeHeartbeat(edge_id="edge-1", connections=held))
    await peer.send_command("alice", "say", "after", command_id="a-2")
    await peer.send_command("alice", "say", "before", command_id="a-1")
    await peer.wait_until(lambda: len(peer.responses("alice")) == 3)
    await peer.wait_until(
        lambda: len([1 for _, e in _stream(peer, "bob") if e.event_type == "chat_message"]) == 2
    )
    await asyncio.sleep(0.1)

    for pid in ("alice", "bob"):
        stream = _stream(peer, pid)
        numbers = [seq for seq, _ in stream]
        assert numbers == list(range(1, len(numbers) + 1)), f"{pid}: gapless across the restart"
        after = stream[len(before[pid]) :]
        kinds = [e.event_type for _, e in after]
        assert "game_state" not in kinds, f"{pid}: no resync"
        assert "player_entered" not in kinds and "player_left" not in kinds, kinds
        # Fights and creatures are not stored: each is told it fights no more, and its room.
        assert kinds[:2] == ["room_update", "status_update"], kinds
        told = after[1][1].data
        assert told["reason"] == "restart" and told["status"]["in_combat"] is False
        assert told["changes"] == {} and told["text"] is None
    chats = [e.data["message"] for _, e in _stream(peer, "bob") if e.event_type == "chat_message"]
    assert chats == ["before", "after"], "a-1 re-sent after the restart did not run again"
    assert [r["command_id"] for r in peer.responses("alice")] == ["a-1", "a-2", "a-1"]
    state = next(e for e in peer.events if e.event_type == "game_state" and "alice" in e.recipients)
    assert state.data["epoch"] == epochs["alice"]
    await second.stop()
    await second_bus.close()
    await peer.bus.close()


async def test_a_player_link_dead_at_the_restart_resumes_with_a_replay(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    first, first_bus = await _game(broker, game_settings())
    await _join(peer, "alice", "bob")
    for i in range(3):
        await peer.send_command("bob", "say", f"line {i}", command_id=f"b-{i}")
    await peer.wait_until(
        lambda: len([1 for _, e in _stream(peer, "alice") if e.event_type == "chat_message"]) == 3
    )
    stream = _stream(peer, "alice")
    state = stream[0][1]
    held_last = stream[-2][0]  # Alice's client holds all but the last message
    await _send(peer, "alice", SessionClosed(**_ids("alice")))
    await asyncio.sleep(0.1)
    await first.stop()
    await first_bus.close()

    second, second_bus = await _game(broker, game_settings())
    seen = len(peer.events)
    resume = ResumeFrom(
        session_id=state.data["session_id"], epoch=state.data["epoch"], last_seq=held_last
    )
    await _send(peer, "alice", SessionOpened(resume=resume, **_ids("alice", "c-alice-2")))
    await peer.wait_until(
        lambda: any(
            e.event_type == "room_update" and "alice" in e.recipients for e in peer.events[seen:]
        )
    )
    replayed = [e for e in peer.events[seen:] if "alice" in e.recipients]
    assert [e.event_type for e in replayed][:1] == ["chat_message"]
    assert replayed[0].recipients["alice"] == held_last + 1
    assert replayed[0].connection_id == "c-alice-2"
    assert all(e.event_type != "game_state" for e in replayed), "resumed, not resynced"
    await second.stop()
    await second_bus.close()
    await peer.bus.close()


async def test_without_a_handoff_the_next_game_resyncs(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    first, first_bus = await _game(broker, game_settings(handoff=False))
    await _join(peer, "alice")
    await first.stop()
    await first_bus.close()
    assert peer.handoffs == {}
    second, second_bus = await _game(broker, game_settings())
    seen = len(peer.events)
    await peer.send_command("alice", "look", command_id="a-1")
    await peer.wait_until(lambda: len(peer.responses("alice")) == 1)
    states = [e for e in peer.events[seen:] if e.event_type == "game_state"]
    assert len(states) == 1 and states[0].data["resync"] is True
    await second.stop()
    await second_bus.close()
    await peer.bus.close()
