"""Graceful shutdown: "on SIGTERM the game service finishes the command in hand and acks
nothing it did not complete". A command is kept in hand by holding back the player load
it needs; the stop comes meanwhile, and another command arrives after it.

Over the in-memory bus, over a real RabbitMQ, and through the real process with SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
import httpx
import pytest
from mythos_contracts.bus import Bus
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.envelope import EDGE_MESSAGE, PlayerCommand
from mythos_contracts.routing import DEAD_LETTER_QUEUE, DEFAULT_SHARD_INBOX
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings

Peer = Any  # conftest.py's; not importable by name under --import-mode=importlib
PeerOn = Callable[[Bus], Awaitable[Any]]


async def stop_with_a_command_in_hand(service: GameService, peer: Peer) -> asyncio.Task[None]:
    """Alice's command is in hand (waiting for her load) when the stop comes; Bob's is
    sent after it. Returns the stop, still running."""
    peer.answer_loads.clear()
    await peer.send_command("alice", "say", "last words", command_id="a-1")
    await peer.wait_until(lambda: peer.loads == ["alice"])
    stopping = asyncio.create_task(service.stop())
    await peer.wait_until(lambda: not service.ready)
    await peer.send_command("bob", "say", "too late", command_id="b-1")
    await asyncio.sleep(0.2)  # time enough for Bob's delivery to reach the game
    assert not stopping.done(), "the stop must wait for the command in hand"
    peer.answer_loads.set()
    return stopping


def only_bob(bodies: list[bytes]) -> None:
    (body,) = bodies
    message = EDGE_MESSAGE.validate_json(body)
    assert isinstance(message, PlayerCommand) and message.command_id == "b-1"


async def test_stop_finishes_the_command_in_hand_and_leaves_the_next_one_queued(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    bus = InMemoryBus(broker)
    await bus.connect()
    service = GameService(game_settings(), bus)
    await service.start()

    stopping = await stop_with_a_command_in_hand(service, peer)
    await asyncio.wait_for(stopping, 5)
    assert [r["command_id"] for r in peer.responses("alice")] == ["a-1"]
    assert peer.loads == ["alice"] and peer.responses("bob") == []
    await bus.close()

    queued = broker.queues[DEFAULT_SHARD_INBOX].items
    only_bob([queued.get_nowait().body for _ in range(queued.qsize())])
    assert broker.queues[DEAD_LETTER_QUEUE].items.qsize() == 0
    await peer.bus.close()


async def test_a_command_still_in_hand_after_the_grace_is_abandoned_unacked(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    bus = InMemoryBus(broker)
    await bus.connect()
    service = GameService(game_settings(shutdown_grace_seconds=0.3), bus)
    await service.start()
    peer.answer_loads.clear()
    await peer.send_command("alice", "say", "never finished", command_id="a-1")
    await peer.wait_until(lambda: peer.loads == ["alice"])

    await asyncio.wait_for(service.stop(), 2)  # bounded: does not wait for Alice's load
    await bus.close()

    assert peer.responses("alice") == []
    queued = broker.queues[DEFAULT_SHARD_INBOX].items
    assert [EDGE_MESSAGE.validate_json(queued.get_nowait().body).command_id] == ["a-1"]  # type: ignore[union-attr]
    await peer.bus.close()


async def queued_on(amqp_url: str, queue: str) -> list[bytes]:
    """Every message waiting in ``queue``, read by a consumer of the test's own that acks
    nothing (a single-active queue refuses ``basic.get``); closing it puts them back."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        count = declared.declaration_result.message_count or 0
        bodies: list[bytes] = []
        if count:
            async with declared.iterator() as messages:
                async for message in messages:
                    bodies.append(message.body)
                    if len(bodies) == count:
                        break
        return bodies


async def wait_queued(amqp_url: str, queue: str, count: int, timeout: float = 10.0) -> None:
    """Until the broker has ``count`` ready messages in ``queue`` (requeues take a moment)."""
    async with asyncio.timeout(timeout):
        while True:
            connection = await aio_pika.connect(amqp_url)
            async with connection:
                channel = await connection.channel()
                declared = await channel.declare_queue(queue, passive=True)
                if declared.declaration_result.message_count == count:
                    return
            await asyncio.sleep(0.1)


@pytest.mark.services
async def test_stop_over_rabbitmq_acks_the_command_in_hand_and_nothing_else(
    amqp_url: str, peer_on: PeerOn, game_settings: Callable[..., GameSettings]
) -> None:
    peer = await peer_on(AmqpBus(amqp_url, connection_name="test-peer"))
    bus = AmqpBus(amqp_url, connection_name="game")
    await bus.connect()
    service = GameService(game_settings(), bus)
    await service.start()

    stopping = await stop_with_a_command_in_hand(service, peer)
    await asyncio.wait_for(stopping, 10)
    await bus.close()  # what the process does next: returns the unhandled to the broker

    await peer.wait_until(lambda: len(peer.responses("alice")) == 1)
    await wait_queued(amqp_url, DEFAULT_SHARD_INBOX, 1)
    only_bob(await queued_on(amqp_url, DEFAULT_SHARD_INBOX))
    assert await queued_on(amqp_url, DEAD_LETTER_QUEUE) == []
    assert peer.loads == ["alice"], "Bob's command must not even have started"
    await peer.bus.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.services
async def test_sigterm_stops_the_game_process_gracefully(amqp_url: str, peer_on: PeerOn) -> None:
    peer = await peer_on(AmqpBus(amqp_url, connection_name="test-peer"))
    port = free_port()
    env = {
        **os.environ,
        "GAME_AMQP_URL": amqp_url,
        "GAME_HEALTH_PORT": str(port),
        "GAME_EDGE_SYNC_SECONDS": "0",
        "GAME_PERSISTENCE_TIMEOUT": "20",
        "GAME_PERSISTENCE_ATTEMPTS": "1",
        "GAME_LOG_FORMAT": "json",
        "GAME_LOG_LEVEL": "info",
    }
    game = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mythos_game", env=env, stdout=asyncio.subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=2.0) as client:

            async def status(path: str) -> int | None:
                try:
                    return (await client.get(path)).status_code
                except httpx.HTTPError:
                    return None

            async with asyncio.timeout(30):
                while await status("/healthz") != 200:
                    assert game.returncode is None, "the game exited while starting"
                    await asyncio.sleep(0.1)
            assert await status("/readyz") == 200

            peer.answer_loads.clear()
            await peer.send_command("alice", "say", "last words", command_id="a-1")
            await peer.wait_until(lambda: peer.loads == ["alice"])
            game.send_signal(signal.SIGTERM)
            async with asyncio.timeout(10):
                # Draining: no longer ready. Polled from outside the process.
                while await status("/readyz") != 503:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            await peer.send_command("bob", "say", "too late", command_id="b-1")
            await asyncio.sleep(0.3)
            assert game.returncode is None, "the game must wait for the command in hand"
            # Still serving meanwhile: alive (uvicorn left alone would have closed it).
            assert await status("/healthz") == 200
            assert await status("/readyz") == 503
            peer.answer_loads.set()
            out, _ = await asyncio.wait_for(game.communicate(), 15)
    finally:
        if game.returncode is None:
            game.kill()
            await game.wait()
    assert game.returncode == 0

    await peer.wait_until(lambda: len(peer.responses("alice")) == 1)
    await wait_queued(amqp_url, DEFAULT_SHARD_INBOX, 1)
    only_bob(await queued_on(amqp_url, DEFAULT_SHARD_INBOX))
    assert await queued_on(amqp_url, DEAD_LETTER_QUEUE) == []
    assert peer.loads == ["alice"], "Bob's command must not even have started"
    await peer.bus.close()

    lines = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    assert lines and all(line["service"] == "game" for line in lines)
    (handled,) = [line for line in lines if line["msg"] == "command handled"]
    assert (handled["command_id"], handled["command"], handled["outcome"]) == ("a-1", "say", "ok")
