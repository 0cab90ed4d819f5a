"""An edge's batch of commands (``mythos_contracts.command_batch``) in the game: each
command runs once, in order, as if it had come alone; the batch is acked only once every
command's effects are confirmed; a batch delivered again runs none of its commands twice;
a bad command is dead-lettered alone, its neighbours answered."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from journal_faults import crash, held_heartbeat, start_doomed_game
from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.bus.journal import Journal, MemoryJournal
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.command_batch import command_batch_json
from mythos_contracts.envelope import SessionOpened
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    DEAD_LETTER_QUEUE,
    DEFAULT_SHARD,
    DEFAULT_SHARD_INBOX,
    EVENTS_EXCHANGE,
    command_batch_key,
    command_key,
)
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings
from prometheus_client import REGISTRY

Peer = Any  # conftest.py's; not importable by name under --import-mode=importlib
PeerOn = Callable[[Bus], Awaitable[Any]]
BATCH_KEY = command_batch_key(DEFAULT_SHARD)


class GatedBus(InMemoryBus):
    """Counts the game's batches of events; from ``held_from`` on, a batch's confirms come
    back only once its index is ``released`` (written, ``publish_many`` not returned)."""

    def __init__(self, broker: InMemoryBroker) -> None:
        super().__init__(broker)
        self.event_batches = 0
        self.held_from: int | None = None
        self.released: set[int] = set()

    async def publish_many(
        self, exchange: str, messages: Sequence[tuple[str, bytes]], *, persistent: bool = True
    ) -> None:
        index = self.event_batches
        if exchange == EVENTS_EXCHANGE:
            self.event_batches += 1
        await super().publish_many(exchange, messages, persistent=persistent)
        # Polled: the test releases confirms from outside, in the order it chooses.
        while exchange == EVENTS_EXCHANGE and self._held(index):  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    def _held(self, index: int) -> bool:
        return self.held_from is not None and index >= self.held_from and index not in self.released


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _acked() -> float:
    return _sample("mythos_bus_delivered_total", queue=DEFAULT_SHARD_INBOX, outcome="ack")


def _dead_lettered() -> float:
    return _sample("mythos_bus_delivered_total", queue=DEFAULT_SHARD_INBOX, outcome="dead_letter")


def _skipped() -> float:
    return _sample("mythos_game_inputs_already_handled_total")


def _answered(peer: Peer, pid: str) -> list[object]:
    return [r["command_id"] for r in peer.responses(pid)]


def _heard(peer: Peer, pid: str) -> list[tuple[int, str]]:
    """The chat lines ``pid`` was sent, with their numbers."""
    return [
        (e.recipients[pid], str(e.data["message"]))
        for e in peer.events
        if pid in e.recipients and e.event_type == "chat_message"
    ]


async def _started(
    bus: InMemoryBus, settings: GameSettings, journal: Journal | None = None
) -> GameService:
    await bus.connect()
    service = GameService(settings, bus, journal)
    await service.start()
    return service


async def _joined(peer: Peer, *players: str) -> None:
    """Each player's first command answered, and acked (nothing of it left to settle)."""
    acked = _acked()
    for pid in players:
        await peer.send_command(pid, "look", command_id=f"{pid}-0")
        await peer.wait_until(lambda pid=pid: len(peer.responses(pid)) == 1)
    await peer.wait_until(lambda: _acked() == acked + len(players))


async def test_each_command_runs_once_in_order_and_the_batch_is_acked_after_all_confirms(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    bus = GatedBus(broker)
    # With a journal, as a game runs: a unit's confirms are deferred (group commit). Each
    # unit's messages apart (carriers off), so each unit's confirms can come back alone.
    settings = game_settings(tick_seconds=3600.0, event_carrier_envelopes=1)
    service = await _started(bus, settings, MemoryJournal())
    try:
        await _joined(peer, "alice", "bob")
        first = bus.held_from = bus.event_batches  # from here on, confirms wait
        acked = _acked()
        batch = command_batch_json(
            [
                # Each one's confirms are deferred (group commit): the next runs meanwhile.
                peer.command_json("alice", "look", command_id="alice-1"),
                peer.command_json("bob", "look", command_id="bob-1"),
                peer.command_json("alice", "look", command_id="alice-2"),
                peer.command_json("bob", "say", "two", command_id="bob-2"),
            ]
        )
        await peer.bus.publish(COMMANDS_EXCHANGE, BATCH_KEY, batch)
        # Every command ran, its events written, with none of their confirms back.
        await peer.wait_until(lambda: bus.event_batches == first + 4)
        # Their confirms, out of order: the batch is acked only with the last of them.
        for command in (3, 0, 2, 1):
            await asyncio.sleep(0.1)
            assert _acked() == acked, f"acked before command {command} was confirmed"
            bus.released.add(first + command)
        await peer.wait_until(lambda: _acked() == acked + 1)
        await peer.wait_until(lambda: len(peer.responses("bob")) == 3)
        await asyncio.sleep(0.2)
        assert _acked() == acked + 1  # one delivery, acked once
        assert _answered(peer, "alice") == ["alice-0", "alice-1", "alice-2"]
        assert _answered(peer, "bob") == ["bob-0", "bob-1", "bob-2"]
        assert [line for _, line in _heard(peer, "alice")] == ["two"]
        for pid in ("alice", "bob"):  # gapless, each number once
            numbers = sorted(
                e.recipients[pid]
                for e in peer.events
                if pid in e.recipients and e.event_type != "heartbeat"
            )
            assert numbers == list(range(1, len(numbers) + 1)), pid
    finally:
        bus.held_from = None
        await service.stop()
        await bus.close()
        await peer.bus.close()


async def test_a_batch_delivered_again_runs_none_of_its_commands_twice(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    bus = InMemoryBus(broker)
    service = await _started(bus, game_settings())
    try:
        await _joined(peer, "alice", "bob")
        alone = peer.command_json("bob", "say", "first alone", command_id="bob-1")
        # An edge whose confirm was lost sends a command again, in the next turn's batch.
        await peer.bus.publish(COMMANDS_EXCHANGE, BATCH_KEY, command_batch_json([alone]))
        await peer.wait_until(lambda: len(peer.responses("bob")) == 2)
        batch = command_batch_json(
            [peer.command_json("alice", "say", "hello", command_id="alice-1"), alone]
        )
        before = _skipped()
        await peer.bus.publish(COMMANDS_EXCHANGE, BATCH_KEY, batch)
        await peer.bus.publish(COMMANDS_EXCHANGE, BATCH_KEY, batch)  # its ack lost: again
        await peer.wait_until(lambda: _skipped() == before + 3)
        await asyncio.sleep(0.3)  # time for a second answer, were one run again
        assert _answered(peer, "alice") == ["alice-0", "alice-1"]
        assert _answered(peer, "bob") == ["bob-0", "bob-1"]
        assert [line for _, line in _heard(peer, "bob")] == ["hello"]
    finally:
        await service.stop()
        await bus.close()
        await peer.bus.close()


async def test_a_bad_command_is_dead_lettered_alone_and_its_neighbours_answered(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    dead: list[Delivery] = []

    async def dead_letter(delivery: Delivery) -> None:
        dead.append(delivery)

    await peer.bus.consume(DEAD_LETTER_QUEUE, dead_letter)
    bus = InMemoryBus(broker)
    service = await _started(bus, game_settings())
    try:
        await _joined(peer, "alice", "bob")
        broken = b'{"kind":"command","player_id":"bob"}'
        not_a_command = SessionOpened(
            player_id="bob", player_name="Bob", connection_id="c-bob", edge_id="edge-1"
        ).model_dump_json()
        dead_before = _sample("mythos_game_batched_commands_dead_lettered_total")
        acked, dead_whole = _acked(), _dead_lettered()
        batch = command_batch_json(
            [
                peer.command_json("alice", "say", "before", command_id="alice-1"),
                broken,
                not_a_command.encode(),
                peer.command_json("bob", "say", "after", command_id="bob-1"),
            ]
        )
        await peer.bus.publish(COMMANDS_EXCHANGE, BATCH_KEY, batch)
        await peer.wait_until(lambda: len(dead) == 2 and len(peer.responses("bob")) == 2)
        await peer.wait_until(lambda: _acked() == acked + 1)
        assert [(d.routing_key, d.body) for d in dead] == [
            (BATCH_KEY, broken),
            (BATCH_KEY, not_a_command.encode()),
        ]
        assert _answered(peer, "alice") == ["alice-0", "alice-1"]
        assert _answered(peer, "bob") == ["bob-0", "bob-1"]
        assert [line for _, line in _heard(peer, "alice")] == ["after"]
        assert _sample("mythos_game_batched_commands_dead_lettered_total") == dead_before + 2
        # Each counted as a dead-lettered delivery of the inbox (the alert's count); the
        # batch itself was acked, not dead-lettered whole.
        assert _dead_lettered() == dead_whole + 2
    finally:
        await service.stop()
        await bus.close()
        await peer.bus.close()


async def test_a_batch_in_hand_when_its_game_died_runs_none_of_its_commands_twice(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    crashing = await start_doomed_game(peer_on, game_settings, b"the doomed line")
    peer = crashing.peer
    await _joined(peer, "alice", "bob")
    batch = command_batch_json(
        [
            peer.command_json("alice", "say", "first", command_id="alice-1"),
            peer.command_json("bob", "say", "second", command_id="bob-1"),
            peer.command_json("alice", "say", "the doomed line", command_id="alice-2"),
        ]
    )
    await peer.bus.publish(COMMANDS_EXCHANGE, BATCH_KEY, batch)
    await asyncio.wait_for(crashing.dying.died.wait(), 10)
    await crash(crashing.service, crashing.bus)  # the batch goes back, unacked

    before = _skipped()
    second_bus = InMemoryBus(crashing.broker)
    second = await _started(second_bus, game_settings(), crashing.journal)
    try:
        heartbeat = held_heartbeat("alice", "bob")
        await peer.bus.publish(
            COMMANDS_EXCHANGE,
            command_key(DEFAULT_SHARD, "alice"),
            heartbeat.model_dump_json().encode(),
        )
        # The batch came back: all three were handled (the last one recorded), none runs.
        await peer.wait_until(lambda: _skipped() == before + 3)
        await peer.wait_until(
            lambda: [m for _, m in _heard(peer, "bob")] == ["first", "the doomed line"]
        )
        await asyncio.sleep(0.3)
        assert [m for _, m in _heard(peer, "bob")] == ["first", "the doomed line"]
        assert [m for _, m in _heard(peer, "alice")] == ["second"]
        assert _answered(peer, "bob").count("bob-1") == 1
    finally:
        await second.stop()
        await second_bus.close()
        await peer.bus.close()
