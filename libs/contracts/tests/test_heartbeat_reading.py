"""The game's fast reading of an edge's heartbeat: ``read_edge_heartbeat`` takes only what
the model (``EDGE_MESSAGE``) takes, with the same values, and takes what edges write;
so the game's reading (fast, else the model) accepts and refuses exactly what the model
does. And what it reads is not the garbage collector's to walk."""

from __future__ import annotations

import gc
import json
from datetime import datetime
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mythos_contracts.envelope import EdgeHeartbeat, HeldConnection
from mythos_contracts.heartbeat_wire import (
    HeldConnectionFields,
    WireEdgeHeartbeat,
    WireHeldConnection,
    edge_heartbeat_json,
    read_edge_heartbeat,
)
from wire_reading import left_to_the_model, model_or_none, refused_by_both

HELD: HeldConnectionFields = {
    "player_id": "p1",
    "player_name": "Zoë ☃",
    "player_role": "admin",
    "connection_id": "c1",
    "epoch": "e1",
    "delivered": 41,
}


def check(body: bytes) -> bool:
    """Asserts the fast reading is one the model makes, with the same values; True if the
    fast path took ``body`` (else the game reads it with the model, as before)."""
    fast = read_edge_heartbeat(body)
    if fast is None:
        return False
    model = model_or_none(body)
    assert isinstance(model, EdgeHeartbeat), f"the fast path takes what the model refuses: {body!r}"
    assert fast.edge_id == model.edge_id
    assert [c.model() for c in fast.connections] == model.connections
    sent = json.loads(body)
    if "sent_at" in sent:  # absent: each side takes its own now
        assert datetime.fromisoformat(fast.sent_at) == model.sent_at
    return True


def beat(*connections: dict[str, Any], **changes: Any) -> bytes:
    """A heartbeat as JSON: an edge's, with ``changes`` (None values: the key left out)."""
    fields: dict[str, Any] = {
        "kind": "edge_heartbeat",
        "edge_id": "edge-1",
        "connections": list(connections),
        "sent_at": "2026-12-07T15:30:01.123456Z",
    }
    fields.update(changes)
    return json.dumps({k: v for k, v in fields.items() if v is not None}).encode()


def held(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {**HELD, **changes}
    return {k: v for k, v in fields.items() if v is not None}


def test_the_mirrors_have_the_models_fields_and_defaults() -> None:
    for wire_type, model_type in (
        (WireHeldConnection, HeldConnection),
        (WireEdgeHeartbeat, EdgeHeartbeat),
    ):
        wire = {f.name: f for f in msgspec.structs.fields(wire_type)}
        model = model_type.model_fields
        assert set(wire) == set(model), "a field was added to one and not the other"
        for name, field in model.items():
            if name not in ("kind", "sent_at", "connections"):
                assert wire[name].required == field.is_required(), name
                if not field.is_required():
                    assert wire[name].default == field.default, name
    assert msgspec.structs.fields(WireEdgeHeartbeat)[0].required  # kind: the discriminator


def test_what_an_edge_writes_takes_the_fast_path() -> None:
    assert check(edge_heartbeat_json("edge-1", [HELD, {**HELD, "epoch": None, "delivered": None}]))
    assert check(edge_heartbeat_json("edge-2", []))


GOOD = [
    beat(held()),
    beat(),
    beat(connections=None),  # none listed
    beat(held(), sent_at=None),
    beat(held(player_role=None, epoch=None, delivered=None)),  # defaults
    beat(held(delivered=0), sent_at="2026-12-07T15:30:01+05:30"),
    beat(held(player_name="", player_id="")),
    beat(*[held(player_id=f"p{n}") for n in range(50)]),
    b' {"kind":"edge_heartbeat","edge_id":"a","edge_id":"b"}\n',  # the last one counts
]


@pytest.mark.parametrize("body", GOOD)
def test_good_heartbeats_take_the_fast_path_with_the_model_s_values(body: bytes) -> None:
    assert check(body)


BAD = [
    b"",
    b"null",
    b"[]",
    b"{",
    beat() + b"x",
    beat(kind=None),
    beat(kind="edge_heartbeats"),
    beat(edge_id=None),
    beat(edge_id=5),
    beat(connections={}),
    beat(connections=[1]),
    beat(held(player_id=None)),
    beat(held(connection_id=7)),
    beat(held(delivered=-1)),
    beat(held(delivered="5x")),
    beat(held(extra="field")),
    beat(extra="field"),
    beat(sent_at="yesterday"),
    beat(sent_at="2026-02-30T00:00:00Z"),
    beat(held(player_name="\ud800")),
]


@pytest.mark.parametrize("body", BAD)
def test_bad_heartbeats_are_refused_by_both(body: bytes) -> None:
    refused_by_both(body, read_edge_heartbeat)


MODEL_ONLY = [
    beat(sent_at="2026-12-07"),
    beat(sent_at=1_765_000_000),
    beat(held(delivered=5.0)),
    b'{"kind":"edge_heartbeat","edge_id":"e","connections":[{"player_id":"p",'
    b'"player_name":"P","connection_id":"c","delivered":"7"}]}',
    b'{"kind":"room_bound","player_id":"a","player_name":"A","connection_id":"c",'
    b'"edge_id":"e","room_id":"hall"}',
]


@pytest.mark.parametrize("body", MODEL_ONLY)
def test_what_only_the_model_reads_is_left_to_it(body: bytes) -> None:
    left_to_the_model(body, check)


_TEXT = st.text(max_size=8)
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), _TEXT, st.lists(_TEXT, max_size=2)
)
_HELD_FIELDS = st.dictionaries(st.sampled_from([*HeldConnection.model_fields, "x"]), _VALUES)


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(st.sampled_from([*EdgeHeartbeat.model_fields, "x"]), _VALUES),
    st.lists(_HELD_FIELDS, max_size=3),
)
def test_any_mix_of_fields_is_read_alike(fields: dict[str, Any], listed: list[Any]) -> None:
    body = {**fields, "kind": "edge_heartbeat", "connections": listed}
    check(json.dumps(body).encode())


def test_what_it_reads_is_not_tracked_by_the_collector() -> None:
    body = edge_heartbeat_json("edge-1", [{**HELD, "player_id": f"p{n}"} for n in range(1000)])
    fast = read_edge_heartbeat(body)
    assert fast is not None and len(fast.connections) == 1000
    assert not gc.is_tracked(fast)
    assert not any(gc.is_tracked(c) for c in fast.connections)
    model = model_or_none(body)
    assert isinstance(model, EdgeHeartbeat)
    assert all(gc.is_tracked(c) for c in model.connections)  # what it replaces
