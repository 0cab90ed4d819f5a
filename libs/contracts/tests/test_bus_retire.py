"""A queue the code no longer uses is deleted only when nothing would be lost (RabbitMQ,
as the game's own user: the permissions of ``mythos_contracts.bus.access``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage
from aiormq.exceptions import ChannelNotFoundEntity
from mythos_contracts.bus.amqp_retire import QueueKept, delete_if_idle
from mythos_contracts.routing import (
    COMMAND_KEYS,
    COMMANDS_EXCHANGE,
    DEFAULT_SHARD,
    LEGACY_GAME_COMMANDS_QUEUE,
    command_key,
)
from mythos_local.provisioning import delete_vhost, ensure_service_users

pytestmark = pytest.mark.services

ADMIN_URL = "amqp://guest:guest@127.0.0.1:5672/"


@pytest.fixture
async def vhost_urls(rabbitmq: None, tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """(the administrator's URL, the game's URL) on a fresh vhost with the topology."""
    vhost = f"mythos_test_{uuid.uuid4().hex[:12]}"
    try:
        urls = await ensure_service_users(ADMIN_URL, vhost, tmp_path)
        yield f"{ADMIN_URL}{vhost}", urls["game"]
    finally:
        await delete_vhost(vhost)


async def _legacy_inbox(admin_url: str, messages: int) -> None:
    """The pre-shard inbox as an older release left it: bound to every command key."""
    connection = await aio_pika.connect(admin_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(LEGACY_GAME_COMMANDS_QUEUE, durable=True)
        await queue.bind(COMMANDS_EXCHANGE, f"{COMMAND_KEYS}.#")
        exchange = await channel.get_exchange(COMMANDS_EXCHANGE)
        for _ in range(messages):
            await exchange.publish(aio_pika.Message(b"look"), command_key(DEFAULT_SHARD, "p1"))


async def _exists(admin_url: str) -> bool:
    connection = await aio_pika.connect(admin_url)
    async with connection:
        try:
            await (await connection.channel()).declare_queue(
                LEGACY_GAME_COMMANDS_QUEUE, passive=True
            )
        except ChannelNotFoundEntity:
            return False
        return True


async def _hold(message: AbstractIncomingMessage) -> None:
    pass


async def test_an_absent_queue_is_reported_gone(vhost_urls: tuple[str, str]) -> None:
    _, game_url = vhost_urls
    assert await delete_if_idle(game_url, LEGACY_GAME_COMMANDS_QUEUE) is None


async def test_an_empty_unused_queue_is_deleted_by_the_games_user(
    vhost_urls: tuple[str, str],
) -> None:
    admin_url, game_url = vhost_urls
    await _legacy_inbox(admin_url, messages=0)
    assert await delete_if_idle(game_url, LEGACY_GAME_COMMANDS_QUEUE) is None
    assert not await _exists(admin_url)


async def test_a_queue_holding_messages_is_kept(vhost_urls: tuple[str, str]) -> None:
    admin_url, game_url = vhost_urls
    await _legacy_inbox(admin_url, messages=2)
    assert await delete_if_idle(game_url, LEGACY_GAME_COMMANDS_QUEUE) == QueueKept(2, 0)
    assert await _exists(admin_url)


async def test_a_queue_with_a_consumer_is_kept(vhost_urls: tuple[str, str]) -> None:
    admin_url, game_url = vhost_urls
    await _legacy_inbox(admin_url, messages=0)
    connection = await aio_pika.connect(admin_url)
    async with connection:
        queue = await (await connection.channel()).get_queue(LEGACY_GAME_COMMANDS_QUEUE)
        await queue.consume(_hold)
        assert await delete_if_idle(game_url, LEGACY_GAME_COMMANDS_QUEUE) == QueueKept(0, 1)
    assert await _exists(admin_url)
