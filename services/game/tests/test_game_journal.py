"""A crashed game is continued from its journal: the next game has every stream (same
epoch, next number, history, answers) without a handoff, publishes again what the last
records held, and runs no input twice, even one whose record was written but whose
messages never went out."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from journal_faults import crash, held_heartbeat, start_doomed_game
from mythos_contracts.bus import Bus
from mythos_contracts.bus.journal import Journal, MemoryJournal
from mythos_contracts.bus.journal_batch import unpack
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import (
    EdgeHeartbeat,
    EventEnvelope,
    HeldConnection,
    PlayerCommand,
    RoomBound,
    SessionOpened,
)
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    DEFAULT_SHARD,
    DEFAULT_SHARD_INBOX,
    command_key,
)
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings

Peer = Any  # conftest.py's; not importable by name under --import-mode=importlib
PeerOn = Callable[[Bus], Awaitable[Any]]
START = "independence-square"


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


def _delivered(peer: Peer, pid: str) -> list[tuple[int, EventEnvelope]]:
    """What ``pid``'s edge delivers, heartbeats aside: each number once, in order (an
    edge drops a number it already delivered; the copy must be the same message)."""
    seen: dict[int, EventEnvelope] = {}
    for e in peer.events:
        if pid not in e.recipients or e.event_type in ("heartbeat", "disconnect"):
            continue
        seq = e.recipients[pid]
        if seq in seen:
            assert seen[seq].data == e.data, f"{pid}: two different messages numbered {seq}"
            continue
        seen[seq] = e
    return sorted(seen.items(), key=lambda item: item[0])


async def _game(
    broker: InMemoryBroker,
    settings: GameSettings,
    journal: Journal,
    on_lost: Callable[[], None] = lambda: None,
) -> tuple[GameService, Bus]:
    bus = InMemoryBus(broker)
    await bus.connect()
    service = GameService(settings, bus, journal, on_journal_lost=on_lost)
    await service.start()
    return service, bus


async def _join(peer: Peer, *pids: str) -> None:
    for pid in pids:
        await _send(peer, pid, SessionOpened(**_ids(pid)))
        await peer.wait_until(
            lambda pid=pid: any(e.event_type == "game_state" for _, e in _delivered(peer, pid))
        )
        await _send(peer, pid, RoomBound(room_id=START, **_ids(pid)))


def _chats(peer: Peer, pid: str) -> list[str]:
    return [e.data["message"] for _, e in _delivered(peer, pid) if e.event_type == "chat_message"]


async def test_a_crashed_game_is_continued_from_its_journal(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker, journal = InMemoryBroker(), MemoryJournal()
    peer = await peer_on(InMemoryBus(broker))
    first, first_bus = await _game(broker, game_settings(handoff=False), journal)
    await _join(peer, "alice", "bob")
    await peer.send_command("alice", "say", "before", command_id="a-1")
    await peer.wait_until(lambda: _chats(peer, "bob") == ["before"])
    before = {pid: _delivered(peer, pid) for pid in ("alice", "bob")}
    await crash(first, first_bus)

    second, second_bus = await _game(broker, game_settings(), journal)
    assert peer.handoffs == {}, "nothing was handed over: the journal is the source"
    await _send(peer, "alice", held_heartbeat(*before))
    await peer.send_command("alice", "say", "after", command_id="a-2")
    await peer.send_command("alice", "say", "before", command_id="a-1")  # a re-send
    await peer.wait_until(lambda: len({r["command_id"] for r in peer.responses("alice")}) == 2)
    await peer.wait_until(lambda: _chats(peer, "bob") == ["before", "after"])
    await asyncio.sleep(0.2)

    for pid in ("alice", "bob"):
        stream = _delivered(peer, pid)
        numbers = [seq for seq, _ in stream]
        assert numbers == list(range(1, len(numbers) + 1)), f"{pid}: gapless across the crash"
        kinds = [e.event_type for _, e in stream[len(before[pid]) :]]
        assert "game_state" not in kinds, f"{pid}: no resync"
        assert "player_entered" not in kinds and "player_left" not in kinds, kinds
        assert kinds[:2] == ["room_update", "status_update"], kinds
    assert _chats(peer, "bob") == ["before", "after"], "the re-sent a-1 did not run again"
    answers = [r["command_id"] for r in peer.responses("alice")]
    assert answers.count("a-2") == 1 and set(answers) == {"a-1", "a-2"}
    await second.stop()
    await second_bus.close()
    await peer.bus.close()


async def test_an_input_recorded_but_never_published_runs_once_after_the_crash(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    crashing = await start_doomed_game(
        peer_on, game_settings, b"the doomed line", on_journal_lost=lambda: None
    )
    peer = crashing.peer
    await _join(peer, "alice", "bob")
    # Without a command id: only the delivery id tells its redelivery apart.
    doomed = PlayerCommand(command="say", args=["the doomed line"], **_ids("alice"))
    await _send(peer, "alice", doomed)
    await asyncio.wait_for(crashing.dying.died.wait(), 10)
    assert _chats(peer, "bob") == [], "recorded, not published"
    await crash(crashing.service, crashing.bus)

    second, second_bus = await _game(crashing.broker, game_settings(), crashing.journal)
    await peer.wait_until(lambda: _chats(peer, "bob") == ["the doomed line"])
    await _send(peer, "alice", held_heartbeat("alice", "bob"))
    await peer.send_command("alice", "say", "next", command_id="a-2")
    await peer.wait_until(lambda: _chats(peer, "bob") == ["the doomed line", "next"])
    await asyncio.sleep(0.3)  # the redelivered say would have run by now

    assert _chats(peer, "bob") == ["the doomed line", "next"], "the say ran once"
    answers = [r["command_id"] for r in peer.responses("alice")]
    assert answers.count(None) == 1 and answers.count("a-2") >= 1, answers
    for pid in ("alice", "bob"):
        numbers = [seq for seq, _ in _delivered(peer, pid)]
        assert numbers == list(range(1, len(numbers) + 1)), f"{pid}: gapless"
        assert [e.event_type for _, e in _delivered(peer, pid)].count("game_state") == 1
    await second.stop()
    await second_bus.close()
    await peer.bus.close()


async def test_a_standby_takes_the_shard_over_when_the_active_game_dies(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker, journal = InMemoryBroker(), MemoryJournal()
    peer = await peer_on(InMemoryBus(broker))
    settings = game_settings(handoff=False, standby=True)
    first, first_bus = await _game(broker, settings, journal)
    standby, standby_bus = await _game(broker, settings, journal)
    assert first.ready and standby.ready, "both ready: one to take the inbox, one waiting"
    assert not first.active and not standby.active, "nobody holds the shard before an input"
    await _join(peer, "alice", "bob")
    assert first.active and not standby.active, "the first consumer got the inbox"
    await peer.send_command("alice", "say", "before", command_id="a-1")
    await peer.wait_until(lambda: _chats(peer, "bob") == ["before"])
    assert peer.terms.get("s1") == 1, "the standby raised no term while standing by"

    await crash(first, first_bus)
    await _send(peer, "alice", held_heartbeat("alice", "bob"))
    await peer.send_command("alice", "say", "after", command_id="a-2")
    await peer.wait_until(lambda: _chats(peer, "bob") == ["before", "after"])

    assert standby.active and standby.term == 2
    for pid in ("alice", "bob"):
        stream = _delivered(peer, pid)
        numbers = [seq for seq, _ in stream]
        assert numbers == list(range(1, len(numbers) + 1)), f"{pid}: gapless across the takeover"
        assert [e.event_type for _, e in stream].count("game_state") == 1, f"{pid}: no resync"
    await standby.stop()
    await standby_bus.close()
    await peer.bus.close()


async def _crash_and_continue(
    peer: Peer, broker: InMemoryBroker, journal: Journal, settings: GameSettings, delivered: int
) -> tuple[GameService, Bus, int, str]:
    """Alice and Bob talk, the game crashes, the next one hears from the edge that it
    delivered Alice's stream up to ``last + delivered``; returns (game, bus, last, epoch)."""
    first, first_bus = await _game(broker, settings, journal)
    await _join(peer, "alice", "bob")
    for n in range(3):
        await peer.send_command("bob", "say", f"line {n}", command_id=f"b-{n}")
    await peer.wait_until(lambda: len(_chats(peer, "alice")) == 3)
    stream = _delivered(peer, "alice")
    last, epoch = stream[-1][0], stream[0][1].data["epoch"]
    await crash(first, first_bus)
    second, second_bus = await _game(broker, settings, journal)
    held = HeldConnection(
        **{k: v for k, v in _ids("alice").items() if k != "edge_id"},
        epoch=epoch,
        delivered=last + delivered,
    )
    await _send(peer, "alice", EdgeHeartbeat(edge_id="edge-1", connections=[held]))
    return second, second_bus, last, epoch


async def test_an_edge_behind_the_journal_gets_the_missing_numbers_at_once(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker, journal = InMemoryBroker(), MemoryJournal()
    peer = await peer_on(InMemoryBus(broker))
    seen = len(peer.events)
    game, bus, last, _ = await _crash_and_continue(
        peer, broker, journal, game_settings(handoff=False), delivered=-2
    )
    await peer.wait_until(
        lambda: any(
            e.event_type == "status_update" and "alice" in e.recipients for e in peer.events[seen:]
        )
    )
    after = [e for e in peer.events[seen:] if "alice" in e.recipients]
    replayed = [e for e in after if e.connection_id == "c-alice" and e.recipients["alice"] <= last]
    assert [e.recipients["alice"] for e in replayed][-2:] == [last - 1, last], "replayed at once"
    kinds = [e.event_type for e in after if e.recipients["alice"] > last]
    assert kinds[:2] == ["room_update", "status_update"] and "game_state" not in kinds
    await game.stop()
    await bus.close()
    await peer.bus.close()


async def test_an_edge_ahead_of_the_journal_is_counted_and_resynced(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    from prometheus_client import REGISTRY

    def ahead() -> float:
        return REGISTRY.get_sample_value("mythos_game_takeover_ahead_total") or 0.0

    broker, journal = InMemoryBroker(), MemoryJournal()
    peer = await peer_on(InMemoryBus(broker))
    before = ahead()
    game, bus, _, epoch = await _crash_and_continue(
        peer, broker, journal, game_settings(handoff=False), delivered=3
    )
    await peer.wait_until(
        lambda: any(
            e.event_type == "game_state" and "alice" in e.recipients and e.data["epoch"] != epoch
            for e in peer.events
        )
    )
    assert ahead() == before + 1
    await game.stop()
    await bus.close()
    await peer.bus.close()


class _Gated(MemoryJournal):
    """A journal whose appends are confirmed only while ``gate`` is open; ``waiting``
    counts the game's records in them (a message may hold several: ``BatchingJournal``)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.gate.set()
        self.waiting = 0

    async def append(self, record: bytes) -> None:
        records = len(unpack(record))
        self.waiting += records
        await self.gate.wait()
        self.waiting -= records
        await super().append(record)


async def test_inputs_run_on_while_their_records_wait_and_are_acked_only_once_confirmed(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    """Group commit: the next command need not wait for the last one's confirms, but no
    command is acked before its record is in the journal."""
    broker, journal = InMemoryBroker(), _Gated()
    peer = await peer_on(InMemoryBus(broker))
    game, bus = await _game(broker, game_settings(handoff=False), journal)
    await _join(peer, "alice", "bob")

    journal.gate.clear()
    for n in range(3):
        await peer.send_command("alice", "say", f"line {n}", command_id=f"a-{n}")
    await peer.wait_until(lambda: _chats(peer, "bob") == ["line 0", "line 1", "line 2"])
    assert journal.waiting >= 3, "each ran with the records before it unconfirmed"
    stopping = asyncio.create_task(bus.stop_consuming())
    await asyncio.sleep(0.3)
    assert not stopping.done(), "unconfirmed inputs are not acked: a stop waits for them"

    journal.gate.set()
    await asyncio.wait_for(stopping, 10)
    await crash(game, bus)
    inbox = broker.queues[DEFAULT_SHARD_INBOX]
    assert inbox.items.qsize() == 0, "every input was acked once its record was confirmed"
    await peer.bus.close()


class _Counted(MemoryJournal):
    """Counts the messages appended (what the broker would publish and confirm) and the
    game's records in them."""

    def __init__(self) -> None:
        super().__init__()
        self.messages = 0
        self.records = 0

    async def append(self, record: bytes) -> None:
        self.messages += 1
        self.records += len(unpack(record))
        await super().append(record)


async def test_the_records_of_inputs_handled_in_one_turn_go_as_one_message(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker, journal = InMemoryBroker(), _Counted()
    peer = await peer_on(InMemoryBus(broker))
    game, bus = await _game(broker, game_settings(handoff=False), journal)
    await _join(peer, "alice", "bob")
    messages, records = journal.messages, journal.records

    says = [f"line {n}" for n in range(10)]
    await asyncio.gather(
        *(peer.send_command("alice", "say", say, command_id=f"a-{say}") for say in says)
    )
    await peer.wait_until(lambda: sorted(_chats(peer, "bob")) == says)
    assert journal.records - records >= len(says), "each say its own record"
    assert journal.messages - messages < journal.records - records, "several to a message"
    await game.stop()
    await bus.close()
    await peer.bus.close()


async def test_an_input_whose_record_is_never_confirmed_comes_back_and_the_game_exits(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker, journal = InMemoryBroker(), _Gated()
    peer = await peer_on(InMemoryBus(broker))
    lost = asyncio.Event()  # stands for exiting the process
    settings = game_settings(handoff=False, journal_append_timeout_seconds=0.5)
    game, bus = await _game(broker, settings, journal, lost.set)
    await _join(peer, "alice", "bob")

    journal.gate.clear()
    await peer.send_command("alice", "say", "unconfirmed", command_id="a-1")
    await asyncio.wait_for(lost.wait(), 10)
    await crash(game, bus)
    inbox = broker.queues[DEFAULT_SHARD_INBOX].items
    back = [inbox.get_nowait() for _ in range(inbox.qsize())]
    says = [d for d in back if b"unconfirmed" in d.body]
    assert len(says) == 1 and says[0].redelivered, "not acked: the next game runs it"
    await peer.bus.close()
