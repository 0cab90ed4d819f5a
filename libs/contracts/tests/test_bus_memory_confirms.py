"""The in-process broker's ``confirm_on_ack`` queues (embedded mode's saves): a
persistent publish to one returns only once its consumer has handled the message, since
what the broker holds dies with the process. Other queues confirm at once, as before."""

from __future__ import annotations

import asyncio

from mythos_contracts.bus import Delivery
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.routing import (
    DEAD_LETTER_QUEUE,
    DEFAULT_SHARD_INBOX,
    PERSISTENCE_EXCHANGE,
    PERSISTENCE_SAVES_QUEUE,
    save_key,
)

SAVE = save_key("item")


async def _yield_often(times: int = 20) -> None:
    """Let every ready task run (no clock involved)."""
    for _ in range(times):
        await asyncio.sleep(0)


async def _buses(broker: InMemoryBroker) -> tuple[InMemoryBus, InMemoryBus]:
    publisher, consumer = InMemoryBus(broker), InMemoryBus(broker)
    await publisher.connect()
    await consumer.connect()
    return publisher, consumer


async def test_a_publish_waits_until_the_consumer_has_handled_it() -> None:
    publisher, consumer = await _buses(InMemoryBroker(confirm_on_ack=[PERSISTENCE_SAVES_QUEUE]))
    order: list[str] = []
    publishing = asyncio.create_task(publisher.publish(PERSISTENCE_EXCHANGE, SAVE, b"one"))
    await _yield_often()
    assert not publishing.done(), "confirmed before anyone consumed it"

    async def store(delivery: Delivery) -> None:
        await _yield_often()  # a write that takes a while
        order.append(f"stored {delivery.body.decode()}")

    await consumer.consume(PERSISTENCE_SAVES_QUEUE, store)
    await publishing
    order.append("confirmed")
    assert order == ["stored one", "confirmed"]
    await publisher.close()
    await consumer.close()


async def test_a_dead_lettered_message_is_confirmed_too() -> None:
    broker = InMemoryBroker(confirm_on_ack=[PERSISTENCE_SAVES_QUEUE])
    publisher, consumer = await _buses(broker)

    async def refuse(delivery: Delivery) -> None:
        raise ValueError("never storable")

    await consumer.consume(PERSISTENCE_SAVES_QUEUE, refuse)
    await publisher.publish(PERSISTENCE_EXCHANGE, SAVE, b"bad")
    assert broker.queues[DEAD_LETTER_QUEUE].items.qsize() == 1
    await publisher.close()
    await consumer.close()


async def test_other_queues_and_transient_messages_confirm_at_once() -> None:
    listed = InMemoryBroker(confirm_on_ack=[PERSISTENCE_SAVES_QUEUE])
    publisher = InMemoryBus(listed)
    await publisher.connect()
    # Nobody consumes: each returns without waiting for a consumer.
    await publisher.publish(PERSISTENCE_EXCHANGE, SAVE, b"transient", persistent=False)
    assert listed.queues[DEFAULT_SHARD_INBOX].confirm_on_ack is False
    unlisted = InMemoryBroker()
    other = InMemoryBus(unlisted)
    await other.connect()
    await other.publish(PERSISTENCE_EXCHANGE, SAVE, b"plain")
    assert unlisted.queues[PERSISTENCE_SAVES_QUEUE].items.qsize() == 1
    await publisher.close()
    await other.close()
