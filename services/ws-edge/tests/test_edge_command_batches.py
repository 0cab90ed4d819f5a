"""Players' commands sent in one turn of the edge's event loop leave as one broker
message per shard (``CommandBatches``), on the in-process bus and on a real RabbitMQ
vhost (a quorum, single-active inbox, as a shard's): counted as the inbox receives them.
With a linger, those of later turns within it join the waiting message."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.command_batch import read_command_batch
from mythos_contracts.command_wire import player_command_json
from mythos_contracts.routing import (
    DEFAULT_SHARD,
    command_batch_key,
    command_key,
    shard_inbox,
    shard_inbox_bindings,
)
from mythos_edge.service_layer.command_batches import CommandBatches
from mythos_edge.settings import EdgeSettings
from prometheus_client import REGISTRY
from pydantic import ValidationError

OTHER_SHARD = "s2"


def _body(pid: str, text: str) -> bytes:
    ids = {
        "player_id": pid,
        "player_name": pid.title(),
        "player_role": "player",
        "connection_id": f"c-{pid}",
        "edge_id": "edge-1",
    }
    return player_command_json(ids, "say", [text], f"{pid}-{text}")


def _messages_sent() -> float:
    return REGISTRY.get_sample_value("mythos_edge_command_messages_total") or 0.0


class Inboxes:
    """What each shard's inbox received, in order."""

    def __init__(self) -> None:
        self.received: dict[str, list[Delivery]] = {DEFAULT_SHARD: [], OTHER_SHARD: []}

    async def wait_for(self, shard: str, count: int) -> list[Delivery]:
        async with asyncio.timeout(10):
            # Polled: deliveries arrive on the bus's own consumer task.
            while len(self.received[shard]) < count:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # time for one more, were there one
        return self.received[shard]


@pytest.fixture(params=["memory", pytest.param("rabbitmq", marks=pytest.mark.services)])
async def wired(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Bus, Inboxes]]:
    bus: Bus
    if request.param == "memory":
        bus = InMemoryBus(InMemoryBroker())
    else:
        bus = AmqpBus(request.getfixturevalue("amqp_url"), connection_name="edge-batches")
    await bus.connect()
    inboxes = Inboxes()
    for shard in (DEFAULT_SHARD, OTHER_SHARD):
        inbox = shard_inbox(shard)
        await bus.declare_queue(inbox, single_active=True)
        for exchange, pattern in shard_inbox_bindings(shard):
            await bus.bind(inbox, exchange, pattern)

        async def record(delivery: Delivery, shard: str = shard) -> None:
            inboxes.received[shard].append(delivery)

        await bus.consume(inbox, record)
    yield bus, inboxes
    await bus.close()


async def test_commands_of_one_turn_for_one_shard_are_one_message(
    wired: tuple[Bus, Inboxes],
) -> None:
    bus, inboxes = wired
    batches = CommandBatches(bus)
    players = [f"p{i}" for i in range(20)]
    bodies = [_body(pid, "hi") for pid in players]
    before = _messages_sent()
    await asyncio.gather(
        *(batches.send(DEFAULT_SHARD, pid, body) for pid, body in zip(players, bodies, strict=True))
    )
    (message,) = await inboxes.wait_for(DEFAULT_SHARD, 1)
    assert message.routing_key == command_batch_key(DEFAULT_SHARD)
    assert read_command_batch(message.body) == bodies  # each as it would travel, in order
    assert _messages_sent() == before + 1
    assert inboxes.received[OTHER_SHARD] == []


async def test_a_lone_command_travels_as_it_always_did(wired: tuple[Bus, Inboxes]) -> None:
    bus, inboxes = wired
    batches = CommandBatches(bus)
    body = _body("alice", "alone")
    await batches.send(DEFAULT_SHARD, "alice", body)
    (message,) = await inboxes.wait_for(DEFAULT_SHARD, 1)
    assert (message.routing_key, message.body) == (command_key(DEFAULT_SHARD, "alice"), body)


async def test_each_shard_gets_its_own_message_and_each_turn_its_own(
    wired: tuple[Bus, Inboxes],
) -> None:
    bus, inboxes = wired
    batches = CommandBatches(bus)
    first = [("a", DEFAULT_SHARD), ("b", OTHER_SHARD), ("c", DEFAULT_SHARD), ("d", OTHER_SHARD)]
    await asyncio.gather(*(batches.send(shard, pid, _body(pid, "1")) for pid, shard in first))
    # The next turn's commands (sent after the confirms) make the next messages.
    await asyncio.gather(*(batches.send(DEFAULT_SHARD, pid, _body(pid, "2")) for pid in "ab"))
    ours = await inboxes.wait_for(DEFAULT_SHARD, 2)
    theirs = await inboxes.wait_for(OTHER_SHARD, 1)
    assert [read_command_batch(m.body) for m in ours] == [
        [_body_of(ours[0], 0), _body_of(ours[0], 1)],
        [_body_of(ours[1], 0), _body_of(ours[1], 1)],
    ]
    assert [_players(m) for m in ours] == [["a", "c"], ["a", "b"]]
    assert [_players(m) for m in theirs] == [["b", "d"]]


async def test_a_turn_over_the_limit_is_split_in_order(wired: tuple[Bus, Inboxes]) -> None:
    bus, inboxes = wired
    batches = CommandBatches(bus, max_commands=3)
    players = [f"p{i}" for i in range(7)]
    await asyncio.gather(*(batches.send(DEFAULT_SHARD, pid, _body(pid, "x")) for pid in players))
    messages = await inboxes.wait_for(DEFAULT_SHARD, 3)
    assert [_players(m) for m in messages] == [players[0:3], players[3:6], [players[6]]]
    assert messages[2].routing_key == command_key(DEFAULT_SHARD, "p6")


async def test_a_command_cancelled_before_the_turn_ends_is_not_sent(
    wired: tuple[Bus, Inboxes],
) -> None:
    bus, inboxes = wired
    batches = CommandBatches(bus)
    kept = [
        asyncio.ensure_future(batches.send(DEFAULT_SHARD, pid, _body(pid, "k"))) for pid in "ab"
    ]
    gone = asyncio.ensure_future(batches.send(DEFAULT_SHARD, "c", _body("c", "gone")))
    await asyncio.sleep(0)  # each send is waiting for the end of the turn
    gone.cancel()
    await asyncio.gather(*kept)
    (message,) = await inboxes.wait_for(DEFAULT_SHARD, 1)
    assert _players(message) == ["a", "b"]


def _body_of(message: Delivery, index: int) -> bytes:
    commands = read_command_batch(message.body)
    assert commands is not None
    return commands[index]


def _players(message: Delivery) -> list[str]:
    commands = read_command_batch(message.body)
    bodies = [message.body] if commands is None else commands
    return [json.loads(body)["player_id"] for body in bodies]


class GatedBus(InMemoryBus):
    """The in-process bus whose confirms wait until the test opens the gate (a broker
    slow to confirm), failing those the test says should fail."""

    def __init__(self) -> None:
        super().__init__(InMemoryBroker())
        self.gate = asyncio.Event()
        self.sent: list[bytes] = []
        self.refused: set[bytes] = set()

    async def publish(self, exchange: str, routing_key: str, body: bytes, **kw: object) -> None:
        self.sent.append(body)
        await self.gate.wait()
        if body in self.refused:
            raise ConnectionError("the broker refused it")


async def _turns(count: int) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


async def test_commands_sent_while_a_shards_message_is_unconfirmed_leave_with_its_confirm() -> None:
    bus = GatedBus()
    batches = CommandBatches(bus)
    first = asyncio.ensure_future(batches.send(DEFAULT_SHARD, "a", _body("a", "1")))
    await _turns(3)
    assert len(bus.sent) == 1  # a lone command goes at once
    later, bodies = [], [_body(pid, "2") for pid in "bcd"]
    for pid, body in zip("bcd", bodies, strict=True):  # each in a turn of its own
        later.append(asyncio.ensure_future(batches.send(DEFAULT_SHARD, pid, body)))
        await _turns(3)
    other = asyncio.ensure_future(batches.send(OTHER_SHARD, "e", _body("e", "3")))
    await _turns(3)
    assert len(bus.sent) == 2  # the other shard's is not held by this one's
    bus.gate.set()
    await asyncio.gather(first, other, *later)
    assert len(bus.sent) == 3
    assert json.loads(bus.sent[2])["kind"] == "command_batch"
    assert read_command_batch(bus.sent[2]) == bodies


async def test_a_failed_message_frees_its_shard_for_the_next() -> None:
    bus = GatedBus()
    batches = CommandBatches(bus)
    refused, kept = _body("a", "1"), _body("b", "2")
    bus.refused.add(refused)
    first = asyncio.ensure_future(batches.send(DEFAULT_SHARD, "a", refused))
    await _turns(3)
    second = asyncio.ensure_future(batches.send(DEFAULT_SHARD, "b", kept))
    await _turns(3)
    assert bus.sent == [refused]
    bus.gate.set()
    with pytest.raises(ConnectionError):
        await first
    await second
    assert bus.sent == [refused, kept]


async def test_more_messages_in_flight_when_allowed_and_a_cancelled_wait_is_not_sent() -> None:
    bus = GatedBus()
    batches = CommandBatches(bus, in_flight=2)
    sends, bodies = [], [_body(pid, "x") for pid in "abc"]
    for pid, body in zip("abc", bodies, strict=True):
        sends.append(asyncio.ensure_future(batches.send(DEFAULT_SHARD, pid, body)))
        await _turns(3)
    assert bus.sent == bodies[:2]  # two unconfirmed; the third waits
    gone = asyncio.ensure_future(batches.send(DEFAULT_SHARD, "d", _body("d", "x")))
    await _turns(3)
    gone.cancel()
    bus.gate.set()
    await asyncio.gather(*sends)
    assert bus.sent == bodies


async def test_with_a_linger_a_later_turns_command_joins_the_waiting_message(
    wired: tuple[Bus, Inboxes],
) -> None:
    bus, inboxes = wired
    batches = CommandBatches(bus, linger=0.3)
    first = asyncio.ensure_future(batches.send(DEFAULT_SHARD, "a", _body("a", "1")))
    await asyncio.sleep(0.02)  # turns later, well within the linger
    second = asyncio.ensure_future(batches.send(DEFAULT_SHARD, "b", _body("b", "1")))
    await asyncio.gather(first, second)
    (message,) = await inboxes.wait_for(DEFAULT_SHARD, 1)
    assert _players(message) == ["a", "b"]


async def test_without_a_linger_a_later_turns_command_leaves_in_a_message_of_its_own(
    wired: tuple[Bus, Inboxes],
) -> None:
    bus, inboxes = wired
    batches = CommandBatches(bus)
    first = asyncio.ensure_future(batches.send(DEFAULT_SHARD, "a", _body("a", "1")))
    await asyncio.sleep(0.02)
    second = asyncio.ensure_future(batches.send(DEFAULT_SHARD, "b", _body("b", "1")))
    await asyncio.gather(first, second)
    messages = await inboxes.wait_for(DEFAULT_SHARD, 2)
    assert [_players(m) for m in messages] == [["a"], ["b"]]


async def test_a_linger_holds_each_message_after_the_turn_and_after_the_last_confirm() -> None:
    bus = GatedBus()
    batches = CommandBatches(bus, linger=0.2)
    first = asyncio.ensure_future(batches.send(DEFAULT_SHARD, "a", _body("a", "1")))
    await _turns(3)
    assert bus.sent == []  # not at the end of its turn: the linger first
    await asyncio.sleep(0.3)
    assert len(bus.sent) == 1  # the linger is over: it left, unconfirmed
    second = asyncio.ensure_future(batches.send(DEFAULT_SHARD, "b", _body("b", "2")))
    await asyncio.sleep(0.3)
    assert len(bus.sent) == 1  # waits for the first message's confirm (group commit)
    bus.gate.set()
    await first
    await _turns(3)
    assert len(bus.sent) == 1  # and then for the linger once more
    await second
    assert [json.loads(body)["player_id"] for body in bus.sent] == ["a", "b"]


def test_a_negative_linger_is_refused() -> None:
    with pytest.raises(ValueError, match="linger must not be negative"):
        CommandBatches(InMemoryBus(InMemoryBroker()), linger=-0.001)


def test_the_edges_linger_is_a_setting_within_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    assert EdgeSettings().command_linger_seconds == 0  # off unless set
    monkeypatch.setenv("EDGE_COMMAND_LINGER_SECONDS", "0.005")
    assert EdgeSettings().command_linger_seconds == 0.005
    for refused in ("-0.001", "0.2"):
        monkeypatch.setenv("EDGE_COMMAND_LINGER_SECONDS", refused)
        with pytest.raises(ValidationError):
            EdgeSettings()
