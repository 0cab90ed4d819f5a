"""The edge's fast command path: ``read_client_command`` never takes a frame that
``json.loads`` and ``ClientCommand`` would read differently or refuse, takes what they
take at the model's limits, and ``player_command_json`` writes ``PlayerCommand``'s bytes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mythos_contracts.command_wire import (
    WireClientCommand,
    player_command_json,
    read_client_command,
)
from mythos_contracts.envelope import EDGE_MESSAGE, ClientCommand, PlayerCommand
from pydantic import ValidationError


def _model(text: str) -> ClientCommand | None:
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(raw, dict):
        return None
    try:
        return ClientCommand.model_validate(raw)
    except ValidationError:
        return None


def check(text: str) -> bool:
    """Asserts the fast reading is one the model makes; True if the fast path took it."""
    fast = read_client_command(text)
    if fast is None:
        return False
    model = _model(text)
    assert model is not None, f"the fast path takes what the model refuses: {text!r}"
    assert (fast.command, fast.args, fast.timestamp, fast.command_id) == (
        model.command,
        model.args,
        model.timestamp,
        model.command_id,
    )
    return True


def test_the_mirror_has_the_model_s_fields() -> None:
    wire = {f.name: f for f in msgspec.structs.fields(WireClientCommand)}
    model = ClientCommand.model_fields
    assert list(wire) == list(model), "a field was added to one and not the other"
    for name, field in model.items():
        assert wire[name].required == field.is_required(), name


SAY = {"command": "say", "args": ["the", "stars"], "command_id": "c-1"}


@pytest.mark.parametrize(
    ("field", "ok", "too_long"),
    [
        ("command", "x" * 32, "x" * 33),
        ("command", "\U0001f600" * 32, "\U0001f600" * 33),  # characters, not bytes
        ("args", ["a"] * 64, ["a"] * 65),
        ("args", ["x" * 1000], ["x" * 1001]),
        ("args", ["é" * 1000], ["é" * 1001]),
        ("command_id", "i" * 128, "i" * 129),
    ],
)
def test_the_limits_are_the_model_s(field: str, ok: Any, too_long: Any) -> None:
    assert check(json.dumps({**SAY, field: ok}, ensure_ascii=False))
    assert _model(json.dumps({**SAY, field: too_long})) is None
    assert read_client_command(json.dumps({**SAY, field: too_long})) is None


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(SAY),
        '{"command":"say"}',
        '  {"command" : "say" , "args" : [ ] }  ',
        '{"command":"say","extra":{"deep":[1,2,{"x":null}]},"timestamp":"t"}',
        '{"command":"say","command_id":null,"timestamp":null}',
        '{"command":"say","command_id":"a","command_id":"b"}',
        '{"command":"say","command_id":5,"command_id":"b"}',
        '{"command":"say","command_id":"b","command_id":5}',
        '{"command":"say","x":1e999}',
        '{"command":"say","x":NaN}',
        '{"command":"say","x":' + "1" * 5000 + "}",
        '{"command":"say","x":' + "[" * 150 + "]" * 150 + "}",
        '{"command":"say","x":' + "[" * 2000 + "]" * 2000 + "}",
        '{"command":"say","args":["\\ud800"]}',
        '{"command":"say","args":["\\ud83d\\ude00"]}',
        '{"command":"say","args":["\\u001b[0m"]}',
        '{"command":"say","x":"a\x01b"}',
        '{"command":"say\x01"}',
        '\ufeff{"command":"say"}',
        '{"command":"say"}x',
        '{"command":"say",}',
        "{'command':'say'}",
        '{"command":true}',
        '{"command":"say","args":"hello"}',
        '{"command":"say","args":[1]}',
        '{"command":"say","args":null}',
        '{"command":""}',
        '{"args":[]}',
        "[]",
        "null",
        "",
    ],
)
def test_odd_frames_are_never_read_otherwise(text: str) -> None:
    check(text)


def test_what_clients_send_takes_the_fast_path() -> None:
    assert check(json.dumps(SAY))
    assert check(json.dumps({"command": "go", "args": ["north"]}))
    assert check(json.dumps({"command": "say", "args": ["«Ph'nglui» 🐙"]}, ensure_ascii=False))


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)

# JSON as a client library writes it (no NaN or Infinity, which json.loads takes and
# msgspec does not: such a frame goes the slow way, as the test above checks).
_finite_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=400)
@given(
    frame=st.dictionaries(
        st.sampled_from(["command", "args", "timestamp", "command_id", "other"]) | st.text(),
        _json | st.text(max_size=40) | st.lists(st.text(max_size=5), max_size=70),
        max_size=5,
    ),
    ascii_only=st.booleans(),
)
def test_any_frame_is_read_as_the_model_reads_it(frame: dict[str, Any], ascii_only: bool) -> None:
    check(json.dumps(frame, ensure_ascii=ascii_only))


AT = datetime(2026, 12, 4, 18, 23, 17, 5, tzinfo=UTC)


@settings(max_examples=200)
@given(
    ids=st.fixed_dictionaries(
        {
            k: st.text()
            for k in ("player_id", "player_name", "player_role", "connection_id", "edge_id")
        }
    ),
    command=st.text(min_size=1, max_size=32),
    args=st.lists(st.text(max_size=50), max_size=5),
    command_id=st.none() | st.text(max_size=128),
)
def test_player_command_json_is_the_model_s_bytes(
    ids: dict[str, str], command: str, args: list[str], command_id: str | None
) -> None:
    fast = player_command_json(ids, command, args, command_id, sent_at=AT, delivery_id="d-1")
    model = PlayerCommand(
        command=command,
        args=args,
        command_id=command_id,
        sent_at=AT,
        delivery_id="d-1",
        **ids,  # type: ignore[arg-type]
    )
    assert fast == model.model_dump_json().encode()


def test_player_command_json_stamps_a_fresh_delivery_id_and_the_time() -> None:
    ids = {
        "player_id": "p1",
        "player_name": "Armitage",
        "player_role": "player",
        "connection_id": "c-1",
        "edge_id": "e-1",
    }
    before = datetime.now(UTC)
    first = EDGE_MESSAGE.validate_json(player_command_json(ids, "say", ["hi"], "c9"))
    second = EDGE_MESSAGE.validate_json(player_command_json(ids, "say", ["hi"], "c9"))
    assert isinstance(first, PlayerCommand) and isinstance(second, PlayerCommand)
    assert (first.command, first.args, first.command_id, first.player_id) == (
        "say",
        ["hi"],
        "c9",
        "p1",
    )
    assert first.delivery_id != second.delivery_id
    assert before <= first.sent_at <= datetime.now(UTC)


@settings(max_examples=400)
@given(
    command=st.text(max_size=34),
    args=st.lists(st.text(max_size=3) | st.just("x" * 1001), max_size=66),
    command_id=st.none() | st.text(max_size=130),
    extra=st.dictionaries(st.text(), _finite_json, max_size=2),
    ascii_only=st.booleans(),
)
def test_a_well_formed_frame_takes_the_fast_path_when_the_model_takes_it(
    command: str, args: list[str], command_id: str | None, extra: dict[str, Any], ascii_only: bool
) -> None:
    frame = {**extra, "command": command, "args": args, "command_id": command_id}
    text = json.dumps(frame, ensure_ascii=ascii_only)
    assert check(text) == (_model(text) is not None)
