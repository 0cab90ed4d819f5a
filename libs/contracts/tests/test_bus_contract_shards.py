"""The bus contract for shard inboxes, on every backend (the in-process bus and RabbitMQ
with classic and quorum queues): each shard's inbox takes its own players' commands,
what goes to every shard, the edges' heartbeats and revocations, and nothing of another
shard's; until the lobby runs, the default shard's inbox also takes the lobby's
(docs/architecture.md, "Exchanges, queues and routing keys")."""

from __future__ import annotations

import asyncio

from bus_contract_support import BusFactory, Collector
from bus_contract_support import connected as _connected
from mythos_contracts.bus import Bus
from mythos_contracts.routing import (
    ACCOUNTS_EXCHANGE,
    COMMANDS_EXCHANGE,
    DEFAULT_SHARD,
    DEFAULT_SHARD_INBOX,
    LOBBY_SHARD,
    all_shards_key,
    command_key,
    edge_key,
    revocation_key,
    shard_inbox,
    shard_inbox_bindings,
)

# Every key an edge, a shard or auth sends towards the shards, by what it is.
SENT = {
    "s1's player": (COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "alice")),
    "s2's player": (COMMANDS_EXCHANGE, command_key("s2", "bob")),
    "lobby's player": (COMMANDS_EXCHANGE, command_key(LOBBY_SHARD, "carol")),
    "every shard": (COMMANDS_EXCHANGE, all_shards_key("map_changed")),
    "an edge heartbeat": (COMMANDS_EXCHANGE, edge_key("e1")),
    "a revocation": (ACCOUNTS_EXCHANGE, revocation_key("a1")),
}


async def _inbox(bus: Bus, shard: str) -> Collector:
    """The inbox of ``shard``, declared and bound as a starting game does."""
    inbox = shard_inbox(shard)
    await bus.declare_queue(inbox, single_active=True)
    for exchange, pattern in shard_inbox_bindings(shard):
        await bus.bind(inbox, exchange, pattern)
    got = Collector()
    await bus.consume(inbox, got)
    return got


async def _send_all(bus: Bus) -> None:
    for what, (exchange, key) in SENT.items():
        await bus.publish(exchange, key, what.encode())


async def test_each_shard_inbox_takes_its_own_commands_and_the_shared_ones(
    bus_factory: BusFactory,
) -> None:
    s1 = await _connected(bus_factory, "game-s1")
    s2 = await _connected(bus_factory, "game-s2")
    edge = await _connected(bus_factory, "edge")
    at_s1, at_s2 = await _inbox(s1, DEFAULT_SHARD), await _inbox(s2, "s2")
    await _send_all(edge)
    await at_s1.wait_for(5)
    await at_s2.wait_for(4)
    await asyncio.sleep(0.2)  # nothing more comes
    assert [d.body.decode() for d in at_s1.items] == [
        "s1's player",
        "lobby's player",
        "every shard",
        "an edge heartbeat",
        "a revocation",
    ]
    assert [d.body.decode() for d in at_s2.items] == [
        "s2's player",
        "every shard",
        "an edge heartbeat",
        "a revocation",
    ]


async def test_a_command_sent_before_any_game_ran_waits_in_the_default_inbox(
    bus_factory: BusFactory,
) -> None:
    edge = await _connected(bus_factory, "edge")
    await edge.publish(COMMANDS_EXCHANGE, command_key(LOBBY_SHARD, "alice"), b"first")
    await edge.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "alice"), b"second")
    game = await _connected(bus_factory, "game")
    got = Collector()
    await game.consume(DEFAULT_SHARD_INBOX, got)
    await got.wait_for(2)
    assert [d.body for d in got.items] == [b"first", b"second"]
