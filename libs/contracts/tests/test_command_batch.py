"""The command batch format (``mythos_contracts.command_batch``): what an edge writes is a
valid ``PlayerCommandBatch``, the game reads back each command's own bytes in order, and
nothing that is not a batch is read as one. Its key reaches the shard's inbox and no
other key is taken for a batch's."""

from __future__ import annotations

import json

import pytest
from mythos_contracts.bus.topic import topic_matches
from mythos_contracts.command_batch import (
    MAX_BATCH_COMMANDS,
    PlayerCommandBatch,
    command_batch_json,
    read_command_batch,
)
from mythos_contracts.command_wire import player_command_json
from mythos_contracts.envelope import PlayerCommand, SessionOpened
from mythos_contracts.routing import (
    ALL_SHARDS_PATTERN,
    DEFAULT_SHARD,
    LOBBY_SHARD,
    all_shards_key,
    command_batch_key,
    command_key,
    edge_key,
    is_command_batch_key,
    revocation_key,
    shard_commands_pattern,
    shard_inbox_bindings,
)
from pydantic import ValidationError


def _ids(pid: str) -> dict[str, str]:
    return {
        "player_id": pid,
        "player_name": pid.title(),
        "player_role": "player",
        "connection_id": f"c-{pid}",
        "edge_id": "edge-1",
    }


def _commands() -> list[bytes]:
    return [
        player_command_json(_ids("alice"), "say", ['hello, "world"'], "a-1"),
        player_command_json(_ids("bob"), "look", [], None),
        player_command_json(_ids("carol"), "go", ["north"], "c-ü"),
    ]


def test_a_batch_is_the_model_with_each_command_as_it_would_travel_alone() -> None:
    bodies = _commands()
    batch = PlayerCommandBatch.model_validate_json(command_batch_json(bodies))
    assert batch.kind == "command_batch"
    assert batch.commands == [PlayerCommand.model_validate_json(b) for b in bodies]
    # The same bytes the model writes: the fast writer and the contract agree.
    assert json.loads(command_batch_json(bodies)) == json.loads(batch.model_dump_json())


def test_the_game_reads_back_each_command_byte_for_byte_in_order() -> None:
    bodies = _commands()
    assert read_command_batch(command_batch_json(bodies)) == bodies
    assert read_command_batch(command_batch_json(bodies[:1])) == bodies[:1]


def test_a_bad_command_inside_a_batch_does_not_spoil_the_batch() -> None:
    # Each command is read on its own later: only the batch's own shape is checked here.
    good = _commands()
    bodies = [good[0], b'{"kind":"command"}', b"[1, 2]", good[1]]
    assert read_command_batch(command_batch_json(bodies)) == bodies


@pytest.mark.parametrize(
    "body",
    [
        _commands()[0],  # one command, as old edges send it
        SessionOpened(**_ids("alice")).model_dump_json().encode(),
        b'{"kind":"command_batch","commands":[]}',
        b'{"kind":"command_batch"}',
        b'{"kind":"command_batch","commands":[{}],"extra":1}',
        b'{"kind":"other","commands":[{}]}',
        b'{"kind":"command_batch","commands":{}}',
        b"not json",
        b"",
    ],
)
def test_what_is_not_a_batch_is_not_read_as_one(body: bytes) -> None:
    assert read_command_batch(body) is None


def test_the_model_bounds_a_batch() -> None:
    one = PlayerCommand.model_validate_json(_commands()[0])
    with pytest.raises(ValidationError):
        PlayerCommandBatch(commands=[])
    with pytest.raises(ValidationError):
        PlayerCommandBatch(commands=[one] * (MAX_BATCH_COMMANDS + 1))
    assert len(PlayerCommandBatch(commands=[one] * MAX_BATCH_COMMANDS).commands) == 64


@pytest.mark.parametrize("shard", [DEFAULT_SHARD, LOBBY_SHARD, "s7"])
def test_a_batch_key_reaches_its_shards_inbox_only(shard: str) -> None:
    key = command_batch_key(shard)
    assert topic_matches(shard_commands_pattern(shard), key)
    assert not topic_matches(shard_commands_pattern("s9"), key)
    assert not topic_matches(ALL_SHARDS_PATTERN, key)
    bound = [pattern for _, pattern in shard_inbox_bindings(DEFAULT_SHARD)]
    # The default shard's inbox hosts the lobby's inputs: its batches too.
    assert any(topic_matches(p, key) for p in bound) == (shard in (DEFAULT_SHARD, LOBBY_SHARD))


def test_only_a_batch_key_says_batch() -> None:
    assert is_command_batch_key(command_batch_key(DEFAULT_SHARD))
    assert is_command_batch_key(command_batch_key(LOBBY_SHARD))
    for key in (
        command_key(DEFAULT_SHARD, "alice"),
        command_key(DEFAULT_SHARD, "batch"),
        edge_key("edge-1"),
        all_shards_key("batch"),
        revocation_key("acct"),
        "events._batch",
    ):
        assert not is_command_batch_key(key), key
    with pytest.raises(ValueError):
        command_batch_key("_all")
