"""The game's fast reading of a command: ``read_player_command`` takes only what the
model (``EDGE_MESSAGE``, as the game reads everything else) takes, with the same values,
and takes what edges send; so the game's reading (fast, else the model) accepts and
refuses exactly what the model does."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mythos_contracts.command_wire import player_command_json
from mythos_contracts.envelope import EDGE_MESSAGE, PlayerCommand
from mythos_contracts.player_command_wire import (
    MAX_DELIVERY_ID,
    WirePlayerCommand,
    read_player_command,
    wire_json,
)
from wire_reading import left_to_the_model, model_or_none, refused_by_both

IDS = {
    "player_id": "alice",
    "player_name": "Alice",
    "player_role": "player",
    "connection_id": "c-alice",
    "edge_id": "edge-1",
}
AT = datetime(2026, 12, 5, 0, 30, 1, 123456, tzinfo=UTC)


def _sent_keys(body: bytes) -> set[str]:
    try:
        sent = json.loads(body)
    except ValueError:
        return set()
    return set(sent) if isinstance(sent, dict) else set()


def check(body: bytes) -> bool:
    """Asserts the fast reading is one the model makes, with the same values; True if the
    fast path took ``body`` (else the game reads it with the model, as before)."""
    fast = read_player_command(body)
    if fast is None:
        return False
    model = model_or_none(body)
    assert isinstance(model, PlayerCommand), f"the fast path takes what the model refuses: {body!r}"
    fields = msgspec.structs.asdict(fast)
    fields["sent_at"] = datetime.fromisoformat(fast.sent_at)
    expected = model.model_dump()
    for defaulted in ("sent_at", "delivery_id"):  # absent: each side makes a fresh one
        if defaulted not in _sent_keys(body):
            del fields[defaulted], expected[defaulted]
    assert fields == expected
    # Forwarded to another shard, it reads back as the same command there.
    forwarded = EDGE_MESSAGE.validate_json(wire_json(fast))
    assert isinstance(forwarded, PlayerCommand)
    assert forwarded.model_dump() == {
        **msgspec.structs.asdict(fast),
        "sent_at": datetime.fromisoformat(fast.sent_at),
    }
    assert read_player_command(wire_json(fast)) == fast
    return True


def command(**changes: Any) -> bytes:
    """A command as JSON: an edge's, with ``changes`` (None values: the key left out)."""
    fields: dict[str, Any] = {
        **IDS,
        "sent_at": "2026-12-05T00:30:01.123456Z",
        "delivery_id": "d" * 32,
        "kind": "command",
        "command": "say",
        "args": ["the stars are right"],
        "command_id": "a-1",
    }
    fields.update(changes)
    return json.dumps({k: v for k, v in fields.items() if v is not None}).encode()


def test_the_mirror_has_the_model_s_fields_and_defaults() -> None:
    wire = {f.name: f for f in msgspec.structs.fields(WirePlayerCommand)}
    model = PlayerCommand.model_fields
    assert set(wire) == set(model), "a field was added to one and not the other"
    for name, field in model.items():
        if name != "kind":  # required on the wire: the union's discriminator
            assert wire[name].required == field.is_required(), name
    assert wire["kind"].required
    assert wire["player_role"].default == model["player_role"].default
    assert wire["args"].default_factory() == model["args"].get_default(call_default_factory=True)
    assert wire["command_id"].default is None and model["command_id"].default is None


def test_what_an_edge_writes_takes_the_fast_path() -> None:
    assert check(player_command_json(IDS, "say", ["hi", ""], "a-1"))
    assert check(player_command_json(IDS, "look", [], None, sent_at=AT, delivery_id="x"))
    edge_model = PlayerCommand(**IDS, command="go", args=["north"], sent_at=AT)
    assert check(edge_model.model_dump_json().encode())


GOOD = [
    command(),
    command(command_id=None, args=None, player_role=None),  # defaults
    command(sent_at=None, delivery_id=None),  # fresh on both sides
    command(sent_at="2026-12-05T00:30:01Z"),
    command(sent_at="2026-12-05T00:30:01+05:30"),
    command(sent_at="2026-12-05T00:30:01.5-08:00"),
    command(delivery_id="d" * MAX_DELIVERY_ID),
    command(delivery_id="d"),
    command(args=["Älice «x»", "\u2028\x1f", 'a "quote" \\', ""]),
    command(player_name="", command=""),  # the model has no limits there
    command(args=["x"] * 200),
    b' \n{"kind":"command","player_id":"a","player_name":"A","connection_id":"c",'
    b'"edge_id":"e","command":"look"}\t',
    # duplicate keys: the last one counts, on both sides
    b'{"kind":"command","player_id":"a","player_id":"b","player_name":"A",'
    b'"connection_id":"c","edge_id":"e","command":"look"}',
]


@pytest.mark.parametrize("body", GOOD)
def test_good_commands_take_the_fast_path_with_the_model_s_values(body: bytes) -> None:
    assert check(body)


BAD = [
    b"",
    b"null",
    b"[]",
    b'"command"',
    b"{",
    command() + b"x",
    command()[:-1],
    "\ufeff".encode() + command(),
    command(kind=None),  # no discriminator
    command(kind="commands"),
    command(kind=1),
    command(player_name=None),  # required
    command(connection_id=None),
    command(edge_id=None),
    command(command=None),
    command(player_id=7),
    command(player_role=None).replace(b'"kind"', b'"player_role":null,"kind"'),
    command(args="say"),
    command(args=[1]),
    command(args=[["x"]]),
    command(command_id=12),
    command(delivery_id=""),
    command(delivery_id="d" * (MAX_DELIVERY_ID + 1)),
    command(delivery_id=5),
    command(sent_at="yesterday"),
    command(sent_at="2026-02-30T00:00:00Z"),
    command(sent_at="2026-12-05T25:00:00Z"),
    command(extra="field"),
    command(resume={"session_id": "s", "epoch": "e", "last_seq": 1}),
    command(player_id="\ud800"),
    command(player_id="a").replace(b'"a"', b'"\xff"', 1),
    b'{"kind":"command","kind":"room_bound","player_id":"a","player_name":"A",'
    b'"connection_id":"c","edge_id":"e","command":"look"}',
]


@pytest.mark.parametrize("body", BAD)
def test_bad_commands_are_refused_by_both(body: bytes) -> None:
    refused_by_both(body, read_player_command)


# Valid for the model, in forms the fast reading leaves to it.
MODEL_ONLY = [
    command(sent_at="2026-12-05"),
    command(sent_at=1_765_000_000),
    command(sent_at="2026-12-05T00:30:01.1234567Z"),
    command(sent_at="2026-12-05 00:30:01Z"),
    b'{"kind":"room_bound","player_id":"a","player_name":"A","connection_id":"c",'
    b'"edge_id":"e","room_id":"hall"}',
    b'{"kind":"room_bound","kind":"command","player_id":"a","player_name":"A",'
    b'"connection_id":"c","edge_id":"e","command":"look"}',
]


@pytest.mark.parametrize("body", MODEL_ONLY)
def test_what_only_the_model_reads_is_left_to_it(body: bytes) -> None:
    left_to_the_model(body, check)


_TEXT = st.text(max_size=8)
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), _TEXT, st.lists(st.one_of(_TEXT, st.integers()))
)


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*PlayerCommand.model_fields, "room_id", "quit", "x"]), _VALUES
    ),
    st.sampled_from(["command", "invalid", "room_bound", None]),
)
def test_any_mix_of_fields_is_read_alike(fields: dict[str, Any], kind: str | None) -> None:
    body = dict(fields)
    if kind is not None:
        body["kind"] = kind
    check(json.dumps(body).encode())


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXT, max_size=4), _TEXT, st.one_of(st.none(), _TEXT))
def test_any_command_an_edge_writes_takes_the_fast_path(
    args: list[str], name: str, command_id: str | None
) -> None:
    assert check(player_command_json(IDS, name, args, command_id))
