"""What the save fence relies on, on every bus: a request published on a queue after
other messages reaches its consumer only after they were handled, and its reply comes
back; on the in-process bus a request's wait is its timeout even on a queue confirmed
only once handled (the saves queue in embedded mode)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from mythos_contracts.bus import Bus, Delivery, RequestTimeout
from mythos_contracts.bus.amqp import AmqpBus, QueueType
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.routing import (
    PERSISTENCE_EXCHANGE,
    PERSISTENCE_SAVES_QUEUE,
    SAVE_FENCE_KEY,
    save_key,
)

BusFactory = Callable[[str], Bus]


@pytest.fixture(
    params=[
        "memory",
        pytest.param("amqp", marks=pytest.mark.services),
        pytest.param("amqp-quorum", marks=pytest.mark.services),
    ]
)
async def bus_factory(request: pytest.FixtureRequest) -> AsyncIterator[BusFactory]:
    made: list[Bus] = []
    broker = InMemoryBroker(confirm_on_ack=[PERSISTENCE_SAVES_QUEUE])

    def make(name: str) -> Bus:
        if request.param == "memory":
            bus: Bus = InMemoryBus(broker, user=name)
        else:
            queue_type: QueueType = "quorum" if request.param == "amqp-quorum" else "classic"
            bus = AmqpBus(
                request.getfixturevalue("amqp_url"), connection_name=name, queue_type=queue_type
            )
        made.append(bus)
        return bus

    yield make
    for bus in made:
        await bus.close()


async def test_a_request_queued_behind_saves_is_answered_after_they_are_handled(
    bus_factory: BusFactory,
) -> None:
    game = bus_factory("game")
    await game.connect()
    for i in range(30):  # nobody consumes yet: they wait in the saves queue
        await game.publish(
            PERSISTENCE_EXCHANGE, save_key("item"), str(i).encode(), persistent=False
        )
    answer = asyncio.create_task(
        game.request(PERSISTENCE_EXCHANGE, SAVE_FENCE_KEY, b"fence", timeout=30)
    )
    await asyncio.sleep(0.2)  # let it be queued first (the order holds either way)

    persistence = bus_factory("persistence")
    await persistence.connect()
    handled: list[bytes] = []

    async def handle(delivery: Delivery) -> None:
        if delivery.routing_key == SAVE_FENCE_KEY:
            await persistence.reply(delivery, str(len(handled)).encode())
            return
        await asyncio.sleep(0.005)  # a write takes a while
        handled.append(delivery.body)

    await persistence.consume(PERSISTENCE_SAVES_QUEUE, handle)
    assert await answer == b"30"
    assert handled == [str(i).encode() for i in range(30)]


async def test_a_request_to_a_queue_nobody_consumes_times_out_on_its_timeout(
    bus_factory: BusFactory,
) -> None:
    """In embedded mode the saves queue confirms a publish only once it is handled; a
    request there must still give up after its timeout (the game then asks again)."""
    game = bus_factory("game")
    await game.connect()
    with pytest.raises(RequestTimeout):
        async with asyncio.timeout(10):
            await game.request(PERSISTENCE_EXCHANGE, SAVE_FENCE_KEY, b"fence", timeout=0.3)
