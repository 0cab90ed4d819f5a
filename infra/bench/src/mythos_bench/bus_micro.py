"""A one-minute micro-benchmark of the contract's RabbitMQ bus adapter alone.

One process publishes ``--messages`` messages with publisher confirms and consumes them
through ``AmqpBus`` (a temporary vhost on the local broker), and prints the CPU this
process spent per message (``time.process_time``, both sides together) and messages per
second. Two shapes, as the services use the bus:

* ``events``: transient messages published as ordered batches (``publish_many`` of
  ``--batch``) to the events exchange, consumed from a non-durable queue (game -> edge);
* ``commands``: persistent single publishes, ``--inflight`` of them awaited together
  (many players at once), consumed from the durable command queue (edge -> game).

    uv run python -m mythos_bench.bus_micro [--messages 20000] [--shape events|commands]

The broker's own CPU is not counted; run it on a quiet machine and compare runs made
the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid

import uvloop
from mythos_contracts.bus import Delivery
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    DEFAULT_SHARD,
    DEFAULT_SHARD_INBOX,
    EVENTS_EXCHANGE,
    command_key,
    edge_queue,
    player_key,
    player_pattern,
)
from mythos_local.provisioning import delete_vhost, ensure_vhost

BODY = b'{"type":"chat_message","payload":{"speaker":"Armitage","text":"' + b"x" * 120 + b'"}}'
QUEUE = edge_queue("bench")


async def run(url: str, shape: str, messages: int, batch: int, inflight: int) -> None:
    publisher = AmqpBus(url, connection_name="bench-publisher")
    consumer = AmqpBus(url, connection_name="bench-consumer")
    await publisher.connect()
    await consumer.connect()
    done = asyncio.Event()
    received = 0

    async def handle(_: Delivery) -> None:
        nonlocal received
        received += 1
        if received == messages:
            done.set()

    if shape == "events":
        await consumer.declare_queue(QUEUE, durable=False, dead_letter=False)
        await consumer.bind(QUEUE, EVENTS_EXCHANGE, player_pattern("p1"))
        await consumer.consume(QUEUE, handle, prefetch=200)
        key = player_key("p1", "chat_message")
        rounds = [[(key, BODY)] * batch for _ in range(messages // batch)]

        async def publish(chunk: list[tuple[str, bytes]]) -> None:
            await publisher.publish_many(EVENTS_EXCHANGE, chunk, persistent=False)
    else:
        await consumer.consume(DEFAULT_SHARD_INBOX, handle, prefetch=50)
        rounds = [[(command_key(DEFAULT_SHARD, "p1"), BODY)] for _ in range(messages)]

        async def publish(chunk: list[tuple[str, bytes]]) -> None:
            await publisher.publish(COMMANDS_EXCHANGE, chunk[0][0], chunk[0][1])

    await publish(rounds[0])  # warm up: exchange cached, consumer started
    messages = received_target = (len(rounds) - 1) * len(rounds[0])
    received = 0
    wall, cpu = time.perf_counter(), time.process_time()
    pending: set[asyncio.Task[None]] = set()
    for chunk in rounds[1:]:
        pending.add(asyncio.create_task(publish(chunk)))
        if len(pending) >= inflight:
            _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    await asyncio.gather(*pending)
    async with asyncio.timeout(120):
        await done.wait()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{shape}: {received_target} messages (batch {len(rounds[0])}, {inflight} in flight): "
        f"{received_target / wall:,.0f} msg/s, {cpu / received_target * 1e6:.1f} µs CPU per "
        f"message (publish + consume, this process), wall {wall:.2f} s"
    )
    await publisher.close()
    await consumer.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", choices=["events", "commands"], default="events")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=3, help="messages per publish_many (events)")
    parser.add_argument("--inflight", type=int, default=20, help="publishes awaited together")
    args = parser.parse_args()
    base = os.environ.get("MYTHOS_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    vhost = f"mythos_bench_{uuid.uuid4().hex[:8]}"
    url = await ensure_vhost(base, vhost)
    try:
        await run(url, args.shape, args.messages, args.batch, args.inflight)
    finally:
        await delete_vhost(vhost)


if __name__ == "__main__":
    uvloop.run(main())  # as the services run
