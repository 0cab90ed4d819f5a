"""The envelopes a game publishes in one turn leave as few messages as fit: each queue that
would have received one of them receives the message once, and reads in it every
envelope, in the order published; what is no envelope passes at once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from mythos_contracts.bus import Delivery
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EventEnvelope
from mythos_contracts.envelope_wire import DEPTH_CHECK_BRACKETS
from mythos_contracts.ops.log_lines import log_context
from mythos_contracts.routing import (
    DIRECTORY_DELTA_KEY,
    EVENTS_EXCHANGE,
    player_key,
    room_key,
)
from mythos_game.service_layer.event_carriers import EventCarriers


def envelope(n: int, *, data: object = None) -> bytes:
    return (
        EventEnvelope(event_type="chat_message", data={"n": n, "x": data}, recipients={"p": n})
        .model_dump_json()
        .encode()
    )


class Queue:
    def __init__(self) -> None:
        self.messages: list[Delivery] = []

    async def __call__(self, delivery: Delivery) -> None:
        self.messages.append(delivery)

    def numbers(self) -> list[int]:
        return [
            int(e.data["n"])
            for d in self.messages
            for e in EventEnvelope.model_validate_json(d.body).carried()
        ]


class CountingBus(InMemoryBus):
    """Counts what reaches the broker, by method."""

    def __init__(self, broker: InMemoryBroker) -> None:
        super().__init__(broker)
        self.routed: list[Sequence[str]] = []
        self.single: list[str] = []

    async def publish_routed(
        self, exchange: str, routing_keys: Sequence[str], body: bytes, *, persistent: bool = True
    ) -> None:
        self.routed.append(list(routing_keys))
        await super().publish_routed(exchange, routing_keys, body, persistent=persistent)

    async def publish(self, exchange: str, routing_key: str, body: bytes, **kw: object) -> None:
        self.single.append(routing_key)
        await super().publish(exchange, routing_key, body, **kw)  # type: ignore[arg-type]


async def queues(bus: InMemoryBus, **patterns: list[str]) -> dict[str, Queue]:
    await bus.connect()
    out = {}
    for name, bound in patterns.items():
        out[name] = Queue()
        await bus.declare_queue(name, exclusive=True, dead_letter=False)
        for pattern in bound:
            await bus.bind(name, EVENTS_EXCHANGE, pattern)
        await bus.consume(name, out[name])
    return out


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.fixture
def inner() -> CountingBus:
    return CountingBus(InMemoryBroker())


async def test_a_turns_envelopes_leave_as_one_message_each_queue_receiving_it_once(
    inner: CountingBus,
) -> None:
    carriers = EventCarriers(inner)
    q = await queues(
        inner, a=["room.a.#"], b=["room.b.#"], both=["room.a.#", "player.x.#"], c=["room.c.#"]
    )
    await asyncio.gather(
        carriers.publish_many(
            EVENTS_EXCHANGE,
            [(room_key("a", "chat_message"), envelope(1)), (player_key("x", "tell"), envelope(2))],
            persistent=False,
        ),
        carriers.publish(EVENTS_EXCHANGE, room_key("b", "say"), envelope(3), persistent=False),
        carriers.publish(EVENTS_EXCHANGE, room_key("a", "say"), envelope(4), persistent=False),
    )
    await settle()
    assert inner.routed == [["room.a.chat_message", "player.x.tell", "room.b.say", "room.a.say"]]
    for name in ("a", "b", "both"):
        assert len(q[name].messages) == 1, name
        assert q[name].numbers() == [1, 2, 3, 4]
    assert q["c"].messages == []


async def test_a_message_holds_at_most_max_envelopes_in_order(inner: CountingBus) -> None:
    carriers = EventCarriers(inner, max_envelopes=2)
    q = await queues(inner, all=["room.#"])
    await carriers.publish_many(
        EVENTS_EXCHANGE,
        [(room_key("a", "say"), envelope(n)) for n in range(1, 6)],
        persistent=False,
    )
    await settle()
    assert [len(m.body) > 0 for m in q["all"].messages] == [True, True, True]
    assert q["all"].numbers() == [1, 2, 3, 4, 5]


async def test_a_message_stays_under_the_edges_bracket_count(inner: CountingBus) -> None:
    carriers = EventCarriers(inner)
    q = await queues(inner, all=["room.#"])
    nested = [[{"k": [1]}] for _ in range(6)]  # about 20 brackets an envelope
    await carriers.publish_many(
        EVENTS_EXCHANGE,
        [(room_key("a", "say"), envelope(n, data=nested)) for n in range(40)],
        persistent=False,
    )
    await settle()
    assert len(q["all"].messages) > 1
    for message in q["all"].messages:
        assert message.body.count(b"{") + message.body.count(b"[") < DEPTH_CHECK_BRACKETS
    assert q["all"].numbers() == list(range(40))


async def test_one_envelope_a_message_when_carriers_are_off(inner: CountingBus) -> None:
    carriers = EventCarriers(inner, max_envelopes=1)
    q = await queues(inner, all=["room.#"])
    await asyncio.gather(
        *(
            carriers.publish(EVENTS_EXCHANGE, room_key("a", "say"), envelope(n), persistent=False)
            for n in range(3)
        )
    )
    await settle()
    assert inner.routed == [] and len(q["all"].messages) == 3
    assert q["all"].numbers() == [0, 1, 2]


async def test_what_is_no_envelope_passes_at_once(inner: CountingBus) -> None:
    carriers = EventCarriers(inner)
    q = await queues(inner, directory=["directory.#"])
    await carriers.publish(EVENTS_EXCHANGE, DIRECTORY_DELTA_KEY, b"{}", persistent=False)
    assert inner.single == [DIRECTORY_DELTA_KEY] and inner.routed == []
    await settle()
    assert len(q["directory"].messages) == 1


async def test_an_envelope_that_does_not_ride_waits_for_those_held_before_it(
    inner: CountingBus,
) -> None:
    carriers = EventCarriers(inner)
    q = await queues(inner, all=["room.#"])
    held = asyncio.ensure_future(
        carriers.publish(EVENTS_EXCHANGE, room_key("a", "say"), envelope(1), persistent=False)
    )
    await asyncio.sleep(0)  # held, waiting for the turn's end
    await carriers.publish(EVENTS_EXCHANGE, room_key("a", "say"), envelope(2))  # persistent
    await held
    await settle()
    assert q["all"].numbers() == [1, 2]


class FailingBus(CountingBus):
    async def publish_routed(
        self, exchange: str, routing_keys: Sequence[str], body: bytes, *, persistent: bool = True
    ) -> None:
        raise ConnectionError("the broker refused it")


async def test_every_caller_of_a_failed_message_hears_of_it() -> None:
    failing = FailingBus(InMemoryBroker())
    await failing.connect()
    carriers = EventCarriers(failing)
    results = await asyncio.gather(
        *(
            carriers.publish(EVENTS_EXCHANGE, room_key("a", "say"), envelope(n), persistent=False)
            for n in range(3)
        ),
        return_exceptions=True,
    )
    assert all(isinstance(r, ConnectionError) for r in results)


class SlowConfirms(CountingBus):
    """Routes each carrier at once; its confirm comes back once ``confirm`` is set."""

    def __init__(self, broker: InMemoryBroker) -> None:
        super().__init__(broker)
        self.confirm = asyncio.Event()

    async def publish_routed(
        self, exchange: str, routing_keys: Sequence[str], body: bytes, *, persistent: bool = True
    ) -> None:
        await super().publish_routed(exchange, routing_keys, body, persistent=persistent)
        await self.confirm.wait()


async def test_a_call_mixing_envelopes_with_other_messages_keeps_its_place() -> None:
    # A sharded game's unit outbox: its envelopes and its directory delta in one call,
    # made while an earlier turn's carrier awaits its confirm. An envelope published
    # after it must not overtake it (the edge would see a gap and ask for a replay).
    inner = SlowConfirms(InMemoryBroker())
    carriers = EventCarriers(inner)
    q = await queues(inner, all=["room.#", "directory.#"])
    first = asyncio.ensure_future(
        carriers.publish(EVENTS_EXCHANGE, room_key("a", "say"), envelope(1), persistent=False)
    )
    await settle()  # its carrier is out, unconfirmed
    mixed = asyncio.ensure_future(
        carriers.publish_many(
            EVENTS_EXCHANGE,
            [(room_key("a", "say"), envelope(2)), (DIRECTORY_DELTA_KEY, b"{}")],
            persistent=False,
        )
    )
    await asyncio.sleep(0)
    later = asyncio.ensure_future(
        carriers.publish(EVENTS_EXCHANGE, room_key("a", "say"), envelope(3), persistent=False)
    )
    await settle()
    inner.confirm.set()
    await asyncio.gather(first, mixed, later)
    await settle()
    arrived = [d.routing_key for d in q["all"].messages]
    assert arrived == ["room.a.say", "room.a.say", DIRECTORY_DELTA_KEY, "room.a.say"]
    envelopes = [d for d in q["all"].messages if d.routing_key != DIRECTORY_DELTA_KEY]
    assert [EventEnvelope.model_validate_json(d.body).data["n"] for d in envelopes] == [1, 2, 3]


async def test_a_carrier_names_no_command_and_a_call_as_made_keeps_its_own(
    inner: CountingBus,
) -> None:
    carriers = EventCarriers(inner)
    q = await queues(inner, all=["room.#", "directory.#"])

    async def say(command_id: str, n: int) -> None:
        with log_context(command_id=command_id):
            await carriers.publish(
                EVENTS_EXCHANGE, room_key("a", "say"), envelope(n), persistent=False
            )

    async def mixed() -> None:
        with log_context(command_id="c-3"):
            await carriers.publish_many(
                EVENTS_EXCHANGE,
                [(room_key("a", "say"), envelope(3)), (DIRECTORY_DELTA_KEY, b"{}")],
                persistent=False,
            )

    await asyncio.gather(say("c-1", 1), say("c-2", 2), mixed())
    await settle()
    carrier, *as_made = q["all"].messages
    assert "command_id" not in carrier.headers  # two commands' envelopes in it
    assert [d.headers.get("command_id") for d in as_made] == ["c-3", "c-3"]
