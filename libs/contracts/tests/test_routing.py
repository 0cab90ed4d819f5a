"""Names on the bus: every one is built in ``routing.py`` and nowhere else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mythos_contracts import routing

REPO = Path(__file__).resolve().parents[3]
# A quoted queue/exchange name or routing-key prefix, e.g. "mythos.reply." or f"room.{...}".
_NAME_LITERAL = re.compile(
    r"""f?["'](?:mythos\.(?:reply|edge|game|persistence|commands|events|dead)"""
    r"""|(?:command|room|player|global|request|save|health)\.[{a-z_#])"""
)


def test_private_queue_names_are_fresh_and_in_the_mythos_namespace() -> None:
    replies = {routing.reply_queue() for _ in range(50)}
    syncs = {routing.game_sync_queue() for _ in range(50)}
    assert len(replies) == 50 and len(syncs) == 50
    assert all(name.startswith("mythos.reply.") for name in replies)
    assert all(name.startswith("mythos.game.sync.") for name in syncs)


def test_ids_that_would_break_topic_routing_are_refused() -> None:
    for bad in ("a.b", "*", "#", "", "x" * 129):
        with pytest.raises(ValueError):
            routing.player_key(bad, "say")
    assert routing.player_key("p-1", "say") == "player.p-1.say"


def test_no_bus_name_is_built_outside_routing_py() -> None:
    sources = [
        path
        for root in ("services", "libs", "infra")
        for path in (REPO / root).glob("*/src/**/*.py")
        if path.name != "routing.py"
    ]
    assert sources, "the source tree was not found"
    built = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sources
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if _NAME_LITERAL.search(line)
    ]
    assert not built, "build these names with mythos_contracts.routing:\n" + "\n".join(built)


def test_shard_names_and_command_keys() -> None:
    assert routing.shard_inbox("s2") == "mythos.shard.s2.inbox"
    assert routing.shard_journal("s2") == "mythos.shard.s2.journal"
    assert routing.zone_map_log() == "mythos.zone-map"
    assert routing.command_key("s2", "alice") == "command.s2.alice"
    assert routing.command_key(routing.LOBBY_SHARD, "alice") == "command.lobby.alice"
    assert routing.all_shards_key("map_changed") == "command._all.map_changed"
    assert routing.DEFAULT_SHARD_INBOX == "mythos.shard.s1.inbox"
    # ``_edge`` and ``_all`` are command keys' reserved second words, never a shard.
    for reserved in ("_edge", "_all", "a.b", "*"):
        with pytest.raises(ValueError):
            routing.command_key(reserved, "alice")
        with pytest.raises(ValueError):
            routing.shard_inbox(reserved)


def test_the_default_shard_hosts_the_lobby_until_the_lobby_runs() -> None:
    s1 = {pattern for _, pattern in routing.shard_inbox_bindings(routing.DEFAULT_SHARD)}
    s2 = {pattern for _, pattern in routing.shard_inbox_bindings("s2")}
    assert s1 - s2 == {"command.s1.#", "command.lobby.#"}
    assert s2 - s1 == {"command.s2.#"}
    assert s1 & s2 == {"command._all.#", "command._edge.*", "revoked.#"}
    fixed = {(q, e, p) for q, e, p in routing.DURABLE_TOPOLOGY if q == routing.DEFAULT_SHARD_INBOX}
    assert fixed == {
        (routing.DEFAULT_SHARD_INBOX, exchange, pattern)
        for exchange, pattern in routing.shard_inbox_bindings(routing.DEFAULT_SHARD)
    }
    assert routing.DEFAULT_SHARD_INBOX in routing.SINGLE_ACTIVE_QUEUES
