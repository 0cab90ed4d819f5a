"""Each service's broker user may do its own work and nothing else (real RabbitMQ).

The users and permissions come from ``mythos_contracts.bus.access``, applied as
``make run`` applies them (``mythos_local.provisioning.ensure_service_users``).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aio_pika
import pytest
from aiormq.exceptions import ChannelAccessRefused, ChannelPreconditionFailed
from mythos_contracts.bus import Delivery
from mythos_contracts.bus.access import AUTH, EDGE, GAME, PERSISTENCE, SERVICE_ACCESS, ServiceAccess
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.routing import (
    ACCOUNT_REQUESTS_PATTERN,
    ACCOUNTS_EXCHANGE,
    AUTH_REQUESTS_QUEUE,
    COMMANDS_EXCHANGE,
    DEFAULT_SHARD,
    DEFAULT_SHARD_INBOX,
    DIRECTORY_DELTA_KEY,
    DIRECTORY_PATTERN,
    DIRECTORY_SNAPSHOT_KEY,
    EDGE_HEARTBEATS_PATTERN,
    EVENTS_EXCHANGE,
    GAME_SYNC_KEY,
    GLOBAL_PATTERN,
    LEGACY_GAME_COMMANDS_QUEUE,
    LOAD_REQUESTS_PATTERN,
    LOBBY_SHARD,
    PERSISTENCE_EXCHANGE,
    PERSISTENCE_REQUESTS_QUEUE,
    PERSISTENCE_SAVES_QUEUE,
    REVOCATIONS_PATTERN,
    SAVES_PATTERN,
    account_request_key,
    command_key,
    edge_key,
    edge_queue,
    game_directory_queue,
    game_sync_queue,
    global_key,
    health_probe_key,
    load_request_key,
    player_key,
    player_pattern,
    reply_queue,
    revocation_key,
    room_key,
    room_pattern,
    save_key,
    shard_commands_pattern,
    shard_inbox,
    shard_inbox_bindings,
    shard_journal,
    zone_map_log,
)
from mythos_local.provisioning import delete_vhost, ensure_service_users

ADMIN_URL = "amqp://guest:guest@127.0.0.1:5672/"


def _topic(access: ServiceAccess, exchange: str) -> tuple[str, str]:
    (grant,) = [t for t in access.topics if t.exchange == exchange]
    return grant.write, grant.read


def _allows(regex: str, name: str) -> bool:
    return re.search(regex, name) is not None  # RabbitMQ matches unanchored, like search


# ------------------------------------------------------------------ derived patterns


def test_each_service_may_use_the_keys_the_routing_builders_make() -> None:
    edge_write, _ = _topic(EDGE, COMMANDS_EXCHANGE)
    assert _allows(edge_write, command_key(DEFAULT_SHARD, "p1")) and _allows(
        edge_write, edge_key("e1")
    )
    game_events, _ = _topic(GAME, EVENTS_EXCHANGE)
    for key in (room_key("r", "t"), player_key("p", "t"), global_key("t"), GAME_SYNC_KEY):
        assert _allows(game_events, key)
    game_requests, _ = _topic(GAME, PERSISTENCE_EXCHANGE)
    assert _allows(game_requests, load_request_key("player"))
    assert _allows(game_requests, save_key("player"))
    probe, saves_and_requests = _topic(PERSISTENCE, PERSISTENCE_EXCHANGE)
    assert _allows(probe, health_probe_key("persistence"))
    assert _allows(saves_and_requests, LOAD_REQUESTS_PATTERN)
    assert _allows(saves_and_requests, SAVES_PATTERN)
    _, edge_binds = _topic(EDGE, EVENTS_EXCHANGE)
    for pattern in (room_pattern("r"), player_pattern("p"), GLOBAL_PATTERN):
        assert _allows(edge_binds, pattern)
    _, game_binds = _topic(GAME, COMMANDS_EXCHANGE)
    for shard in (DEFAULT_SHARD, "s2", LOBBY_SHARD):
        for exchange, pattern in shard_inbox_bindings(shard):
            assert _allows(_topic(GAME, exchange)[1], pattern), pattern
        assert _allows(GAME.configure, shard_inbox(shard)) and _allows(
            GAME.read, shard_inbox(shard)
        )
        assert _allows(GAME.configure, shard_journal(shard))
        assert _allows(GAME.write, shard_journal(shard))
    # The world's zone map log: declared, appended and read by every shard's game.
    for permission in (GAME.configure, GAME.write, GAME.read):
        assert _allows(permission, zone_map_log())
    assert not _allows(EDGE.read, zone_map_log())
    assert _allows(game_binds, EDGE_HEARTBEATS_PATTERN)
    assert _allows(edge_write, command_key(LOBBY_SHARD, "p1"))
    # The legacy inbox: a starting game deletes it (configure) when empty and unused.
    assert _allows(GAME.configure, LEGACY_GAME_COMMANDS_QUEUE)
    _, edge_hears = _topic(EDGE, ACCOUNTS_EXCHANGE)
    game_asks, game_hears = _topic(GAME, ACCOUNTS_EXCHANGE)
    auth_revokes, auth_takes = _topic(AUTH, ACCOUNTS_EXCHANGE)
    assert _allows(edge_hears, REVOCATIONS_PATTERN) and _allows(game_hears, REVOCATIONS_PATTERN)
    assert _allows(game_asks, account_request_key("ban"))
    assert _allows(auth_revokes, revocation_key("a1"))
    assert _allows(auth_takes, ACCOUNT_REQUESTS_PATTERN)
    assert not _allows(game_asks, revocation_key("a1"))
    assert _allows(EDGE.configure, edge_queue("e1"))
    assert _allows(GAME.configure, reply_queue()) and _allows(GAME.configure, game_sync_queue())
    # Between shards: transfers and whisper relays, and the world directory.
    game_sends, _ = _topic(GAME, COMMANDS_EXCHANGE)
    assert _allows(game_sends, command_key("s2", "p1"))
    assert _allows(GAME.write, COMMANDS_EXCHANGE)
    game_publishes, game_binds = _topic(GAME, EVENTS_EXCHANGE)
    assert _allows(game_publishes, DIRECTORY_DELTA_KEY)
    assert _allows(game_publishes, DIRECTORY_SNAPSHOT_KEY)
    assert _allows(game_binds, DIRECTORY_PATTERN)
    for allowed in (GAME.configure, GAME.read, GAME.write):
        assert _allows(allowed, game_directory_queue("g1"))


def test_each_service_may_not_use_the_others_keys_or_names() -> None:
    edge_write, _ = _topic(EDGE, COMMANDS_EXCHANGE)
    for key in (room_key("r", "t"), save_key("player"), "commandx.p1"):
        assert not _allows(edge_write, key)
    _, edge_binds = _topic(EDGE, EVENTS_EXCHANGE)
    assert not _allows(edge_binds, "#")
    for name in (DEFAULT_SHARD_INBOX, PERSISTENCE_SAVES_QUEUE, reply_queue()):
        assert not _allows(EDGE.configure, name) and not _allows(EDGE.read, name)
    # Anchored: a name merely containing an allowed one is not allowed.
    assert not _allows(EDGE.write, "x" + COMMANDS_EXCHANGE)
    assert not _allows(GAME.configure, DEFAULT_SHARD_INBOX + "x")
    assert not _allows(GAME.configure, "mythos.shard.s1.other")
    assert not _allows(GAME.configure, "mythos.shard.a.b.inbox")
    game_sends, _ = _topic(GAME, COMMANDS_EXCHANGE)
    assert not _allows(game_sends, room_key("r", "t")) and not _allows(game_sends, "commandx.p1")
    _, game_binds = _topic(GAME, EVENTS_EXCHANGE)
    assert not _allows(game_binds, "#") and not _allows(game_binds, GLOBAL_PATTERN)
    assert not _allows(PERSISTENCE.write, COMMANDS_EXCHANGE)
    assert not _allows(PERSISTENCE.write, EVENTS_EXCHANGE)


# ------------------------------------------------------------------ on the real broker


@pytest.fixture
async def service_urls(rabbitmq: None, tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    vhost = f"mythos_test_{uuid.uuid4().hex[:12]}"
    try:
        yield await ensure_service_users(ADMIN_URL, vhost, tmp_path)
    finally:
        await delete_vhost(vhost)


def _bus(urls: dict[str, str], service: str) -> AmqpBus:
    access = SERVICE_ACCESS[service]
    return AmqpBus(urls[service], connection_name=service, owned_queues=access.owned_queues)


async def test_each_service_does_its_work_as_its_own_user(service_urls: dict[str, str]) -> None:
    edge, game, persistence, auth = (
        _bus(service_urls, s) for s in ("edge", "game", "persistence", "auth")
    )
    for bus in (edge, game, persistence, auth):
        await bus.connect()
    try:
        commands: asyncio.Queue[Delivery] = asyncio.Queue()
        events: asyncio.Queue[Delivery] = asyncio.Queue()
        beats: asyncio.Queue[Delivery] = asyncio.Queue()

        async def answer(delivery: Delivery) -> None:
            assert delivery.user_id == GAME.username(_vhost(service_urls))
            await persistence.reply(delivery, b"loaded")

        await persistence.consume(PERSISTENCE_REQUESTS_QUEUE, answer)
        await persistence.publish(PERSISTENCE_EXCHANGE, health_probe_key("persistence"), b"")
        # As a starting game does: its shard's inbox, declared and bound as its own user.
        await game.declare_queue(DEFAULT_SHARD_INBOX, single_active=True)
        for exchange, pattern in shard_inbox_bindings(DEFAULT_SHARD):
            await game.bind(DEFAULT_SHARD_INBOX, exchange, pattern)
        await game.consume(DEFAULT_SHARD_INBOX, commands.put)
        sync = game_sync_queue()
        await game.declare_queue(sync, exclusive=True, dead_letter=False)
        await game.bind(sync, COMMANDS_EXCHANGE, EDGE_HEARTBEATS_PATTERN)
        await game.consume(sync, beats.put)
        queue = edge_queue("e1")
        await edge.declare_queue(queue, exclusive=True, dead_letter=False)
        await edge.bind(queue, EVENTS_EXCHANGE, GLOBAL_PATTERN)
        await edge.bind(queue, EVENTS_EXCHANGE, room_pattern("library"))
        await edge.bind(queue, EVENTS_EXCHANGE, player_pattern("p1"))
        await edge.bind(queue, ACCOUNTS_EXCHANGE, REVOCATIONS_PATTERN)
        await edge.consume(queue, events.put)
        bans: asyncio.Queue[Delivery] = asyncio.Queue()
        await auth.consume(AUTH_REQUESTS_QUEUE, bans.put)
        # As every game instance does: its directory replica's queue.
        directory: asyncio.Queue[Delivery] = asyncio.Queue()
        replica = game_directory_queue("g1")
        await game.declare_queue(replica, durable=False, exclusive=True, dead_letter=False)
        await game.bind(replica, EVENTS_EXCHANGE, DIRECTORY_PATTERN)
        await game.consume(replica, directory.put)

        await edge.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p1"), b"look")
        await edge.publish(COMMANDS_EXCHANGE, edge_key("e1"), b"beat")
        await game.publish(EVENTS_EXCHANGE, room_key("library", "chat_message"), b"hi")
        assert await game.request(PERSISTENCE_EXCHANGE, load_request_key("player"), b"?") == (
            b"loaded"
        )
        await game.publish(ACCOUNTS_EXCHANGE, account_request_key("ban"), b"ban")
        await auth.publish(ACCOUNTS_EXCHANGE, revocation_key("a1"), b"revoked")
        async with asyncio.timeout(5):
            command, beat = await commands.get(), await commands.get()
            event, synced = await events.get(), await beats.get()
            ban, revoked_at_game = await bans.get(), await commands.get()
            revoked_at_edge = await events.get()
        assert (command.body, beat.body, synced.body) == (b"look", b"beat", b"beat")
        assert command.user_id == EDGE.username(_vhost(service_urls))
        assert event.body == b"hi" and event.user_id == GAME.username(_vhost(service_urls))
        assert ban.body == b"ban" and revoked_at_game.body == revoked_at_edge.body == b"revoked"
        assert revoked_at_game.user_id == AUTH.username(_vhost(service_urls))
        # A shard's directory delta, and a whisper relay to a player of another shard.
        await game.publish(EVENTS_EXCHANGE, DIRECTORY_DELTA_KEY, b"delta", persistent=False)
        await game.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p2"), b"relay")
        async with asyncio.timeout(5):
            delta, relay = await directory.get(), await commands.get()
        assert (delta.body, relay.body) == (b"delta", b"relay")
        assert relay.user_id == GAME.username(_vhost(service_urls))
    finally:
        for bus in (edge, game, persistence, auth):
            await bus.close()


def _vhost(urls: dict[str, str]) -> str:
    return urls["edge"].rsplit("/", 1)[1]


async def _ignore(message: object) -> None:
    pass


async def _refused(url: str, action: str) -> BaseException:
    """Run one edge-side action on a fresh channel; returns what the broker raised."""
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        try:
            if action == "publish_save_on_commands":
                exchange = await channel.get_exchange(COMMANDS_EXCHANGE)
                await exchange.publish(aio_pika.Message(b"x"), save_key("player"))
            elif action == "publish_on_persistence":
                exchange = await channel.get_exchange(PERSISTENCE_EXCHANGE)
                await exchange.publish(aio_pika.Message(b"x"), save_key("player"))
            elif action == "publish_on_events":
                exchange = await channel.get_exchange(EVENTS_EXCHANGE)
                await exchange.publish(aio_pika.Message(b"x"), room_key("r", "chat_message"))
            elif action == "publish_straight_into_the_saves_queue":
                await channel.default_exchange.publish(
                    aio_pika.Message(b"x"), PERSISTENCE_SAVES_QUEUE
                )
            elif action == "declare_the_games_queue":
                await channel.declare_queue(DEFAULT_SHARD_INBOX, durable=True)
            elif action == "read_the_games_queue":
                queue = await channel.get_queue(DEFAULT_SHARD_INBOX)  # passive: allowed
                await queue.consume(_ignore, no_ack=True)
            elif action == "bind_every_event":
                queue = await channel.declare_queue(edge_queue("e9"), exclusive=True)
                await queue.bind(EVENTS_EXCHANGE, "#")
            elif action == "bind_to_the_commands":
                queue = await channel.declare_queue(edge_queue("e9"), exclusive=True)
                await queue.bind(COMMANDS_EXCHANGE, shard_commands_pattern(DEFAULT_SHARD))
            elif action == "publish_a_revocation":
                exchange = await channel.get_exchange(ACCOUNTS_EXCHANGE)
                await exchange.publish(aio_pika.Message(b"x"), revocation_key("a1"))
            elif action == "read_auths_requests":
                queue = await channel.get_queue(AUTH_REQUESTS_QUEUE)
                await queue.consume(_ignore, no_ack=True)
            elif action == "forge_the_games_user_id":
                exchange = await channel.get_exchange(COMMANDS_EXCHANGE)
                message = aio_pika.Message(b"x", user_id=GAME.username(_vhost({"edge": url})))
                await exchange.publish(message, command_key(DEFAULT_SHARD, "p1"))
            else:
                raise AssertionError(action)
        except Exception as exc:
            return exc
        raise AssertionError(f"the broker allowed {action}")
    finally:
        await connection.close()


EDGE_MAY_NOT = (
    "publish_save_on_commands",
    "publish_on_persistence",
    "publish_on_events",
    "publish_straight_into_the_saves_queue",
    "declare_the_games_queue",
    "read_the_games_queue",
    "bind_every_event",
    "bind_to_the_commands",
    "publish_a_revocation",
    "read_auths_requests",
)


async def test_the_edge_is_refused_anything_but_its_own_work(
    service_urls: dict[str, str],
) -> None:
    outcomes = {action: await _refused(service_urls["edge"], action) for action in EDGE_MAY_NOT}
    assert {a: type(e).__name__ for a, e in outcomes.items()} == dict.fromkeys(
        EDGE_MAY_NOT, "ChannelAccessRefused"
    )


async def test_a_publisher_cannot_forge_another_services_user(
    service_urls: dict[str, str],
) -> None:
    refused = await _refused(service_urls["edge"], "forge_the_games_user_id")
    assert isinstance(refused, ChannelPreconditionFailed)


async def test_a_refused_publish_fails_at_once_instead_of_retrying(
    service_urls: dict[str, str],
) -> None:
    edge = _bus(service_urls, "edge")
    await edge.connect()
    try:
        async with asyncio.timeout(10):  # the retry loop for a lost connection is 60 s
            with pytest.raises(ChannelAccessRefused):
                await edge.publish(EVENTS_EXCHANGE, room_key("r", "chat_message"), b"x")
    finally:
        await edge.close()
