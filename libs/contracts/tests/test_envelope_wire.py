"""``read_envelope`` (msgspec, the edge's hot path) accepts and refuses exactly what
``EventEnvelope.model_validate_json`` does, and ``WireEnvelope.render_for`` writes the
same bytes as the model's ``render_for``; ``WireEnvelope`` mirrors the model's fields."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mythos_contracts.envelope import EventEnvelope, ServerMessage, fold
from mythos_contracts.envelope_wire import (
    _DECODER,
    DEPTH_CHECK_BRACKETS,
    WireEnvelope,
    from_model,
    read_envelope,
)
from pydantic import ValidationError

OUTSIDER = "someone who is not a recipient"


def timezone_of(hours: int, minutes: int) -> timezone:
    return timezone(timedelta(hours=hours, minutes=minutes if hours >= 0 else -minutes))


def _model(body: bytes) -> list[EventEnvelope] | None:
    try:
        return EventEnvelope.model_validate_json(body).carried()
    except ValidationError:
        return None


def _assert_same(wire: list[WireEnvelope], model: list[EventEnvelope]) -> None:
    assert len(wire) == len(model)
    for w, m in zip(wire, model, strict=True):
        # repr: NaN equals itself, and 1, 1.0 and True differ
        assert repr((w.event_type, w.room_id, w.data, w.recipients)) == repr(
            (m.event_type, m.room_id, m.data, m.recipients)
        )
        assert (w.connection_id, w.epochs, w.shard, w.term, w.answers) == (
            m.connection_id,
            m.epochs,
            m.shard,
            m.term,
            m.answers,
        )
        for player_id in [*m.recipients, OUTSIDER]:
            assert w.render_for(player_id) == m.render_for(player_id)


def check(body: bytes) -> bool:
    """Asserts the wire reading and the model agree on ``body``; True if it is accepted."""
    model = _model(body)
    strict = None
    if body.count(b"{") + body.count(b"[") < DEPTH_CHECK_BRACKETS:  # else: the model reads it
        try:
            strict = _DECODER.decode(body).carried()
        except msgspec.DecodeError:
            pass
    if strict is not None:  # msgspec's own reading must be one the model makes too
        assert model is not None, f"msgspec accepts what the model refuses: {body!r}"
        _assert_same(strict, model)
    if model is None:
        with pytest.raises(ValidationError):
            read_envelope(body)
        return False
    _assert_same(read_envelope(body).carried(), model)
    return True


def test_the_mirror_has_the_model_s_fields_with_the_same_defaults() -> None:
    wire = {f.name: f for f in msgspec.structs.fields(WireEnvelope)}
    model = EventEnvelope.model_fields
    assert list(wire) == list(model), "a field was added to one and not the other"
    for name, field in model.items():
        assert wire[name].required == field.is_required(), name
    defaults = WireEnvelope(event_type="pong", data={}, recipients={})
    for name in ("room_id", "connection_id", "epochs", "shard", "term", "answers", "folded"):
        model_default = model[name].get_default(call_default_factory=True)
        assert getattr(defaults, name) == model_default, name


# --- what games send ----------------------------------------------------------

AT = datetime(2026, 12, 4, 18, 23, 17, 123456, tzinfo=UTC)
CHAT = EventEnvelope(
    event_type="chat_message",
    timestamp=AT,
    room_id="hall",
    data={"channel": "say", "player_id": "p0", "text": "Älice says: «hi» \u2028 \x1f"},
    recipients={"p1": 7, "p2": 1, 'odd "id"\\': 3},
    shard="s1",
    term=3,
)
RESPONSE = EventEnvelope(
    event_type="command_response",
    timestamp=AT.replace(microsecond=0),
    data={"command": "say", "command_id": None, "success": True, "result": "ok"},
    recipients={"p0": 9},
    shard="s1",
    term=3,
    answers="d-91f2",
)
GAME_STATE = EventEnvelope(
    event_type="game_state",
    timestamp=datetime(2026, 1, 2, 3, 4, 5, 100000, tzinfo=timezone_of(5, 30)),
    room_id="hall",
    data={"epoch": "e1", "room": {"id": "hall", "exits": {"north": "yard"}}, "n": 1e20},
    recipients={"p1": 1},
    connection_id="c-p1",
)
HEARTBEAT = EventEnvelope(
    event_type="heartbeat",
    timestamp=AT,
    data={},
    recipients={"p1": 4, "p2": 0},
    epochs={"p1": "e1", "p2": "e2"},
    term=None,
)
SENT = [CHAT, RESPONSE, GAME_STATE, HEARTBEAT]


@pytest.mark.parametrize("envelope", SENT, ids=lambda e: e.event_type)
def test_what_a_game_sends_reads_and_renders_the_same(envelope: EventEnvelope) -> None:
    assert check(envelope.model_dump_json().encode())


def test_folded_envelopes_read_and_render_the_same_in_order() -> None:
    body = fold(CHAT.model_dump_json().encode(), [RESPONSE.model_dump_json().encode()])
    assert check(body)
    inner = fold(RESPONSE.model_dump_json().encode(), [HEARTBEAT.model_dump_json().encode()])
    nested = fold(CHAT.model_dump_json().encode(), [inner, GAME_STATE.model_dump_json().encode()])
    assert check(nested)
    kinds = [e.event_type for e in read_envelope(nested).carried()]
    assert kinds == ["chat_message", "command_response", "heartbeat", "game_state"]


def test_a_missing_timestamp_is_now_in_both() -> None:
    raw = CHAT.model_dump(mode="json")
    del raw["timestamp"]
    before = datetime.now(UTC)
    wire = read_envelope(json.dumps(raw).encode())
    assert before <= datetime.fromisoformat(wire.timestamp) <= datetime.now(UTC)
    assert _model(json.dumps(raw).encode()) is not None


# --- hostile and odd input -----------------------------------------------------

VALUES: list[Any] = [
    None,
    True,
    0,
    1,
    -1,
    2**63,
    2**64,
    10**30,
    1.0,
    1.5,
    "1",
    " 1",
    "",
    "x",
    "chat_message",
    "2026-12-04T18:23:17Z",
    [],
    [1],
    ["x"],
    {},
    {"a": 1},
    {"a": "1"},
    {"a": None},
    {"p1": 1.0},
    {"p1": True},
    {"p1": "e1"},
    {"": -5},
]
TIMESTAMPS = [
    "2026-12-04T18:23:17Z",
    "2026-12-04T18:23:17.1Z",
    "2026-12-04T18:23:17.000Z",
    "2026-12-04T18:23:17.123456Z",
    "2026-12-04T18:23:17.1234567Z",  # the model truncates, msgspec would round
    "2026-12-04T18:23:17.9999999Z",
    "2026-12-04T18:23:17+05:30",
    "2026-12-04T18:23:17-00:00",
    "2026-12-04T18:23:17+00:00",
    "2026-12-04T18:23:17+23:59",
    "2026-12-04T18:23:17+24:00",
    "2026-12-04T18:23:17+0530",
    "2026-12-04T18:23:17",
    "2026-12-04t18:23:17z",
    "2026-12-04 18:23:17Z",
    "2026-12-04T18:23Z",
    "2026-12-04",
    "2026-02-29T18:23:17Z",
    "2024-02-29T18:23:17Z",
    "2026-12-04T24:00:00Z",
    "2026-12-04T18:23:60Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "2026-12-04T18:23:17Z\n",
    "\uff12\uff10\uff12\uff16-12-04T18:23:17Z",  # full-width digits
    "2026-12-04T18:23:17,5Z",
    "1700000000",
    1700000000,
    1.5,
]


def _base() -> dict[str, Any]:
    return CHAT.model_dump(mode="json")


def _with(field: str, value: Any) -> bytes:
    raw = _base()
    raw[field] = value
    return json.dumps(raw).encode()


@pytest.mark.parametrize("field", [*EventEnvelope.model_fields, "unknown", "_rendered"])
def test_any_value_in_any_field_is_judged_the_same(field: str) -> None:
    accepted = [v for v in VALUES if check(_with(field, v))]
    if field != "timestamp":  # without one, each reads "now" (next test)
        raw = _base()
        raw.pop(field, None)
        check(json.dumps(raw).encode())
    if field in ("room_id", "connection_id", "shard", "term", "epochs", "answers"):
        assert None in accepted  # the optional fields do take null
    if field in ("unknown", "_rendered"):
        assert accepted == []  # an extra field is refused, whatever it holds


@pytest.mark.parametrize("timestamp", TIMESTAMPS)
def test_timestamps_are_judged_and_written_the_same(timestamp: Any) -> None:
    check(_with("timestamp", timestamp))


def test_term_and_the_fields_an_edge_acts_on() -> None:
    assert not check(_with("term", 0))
    assert check(_with("term", 1))
    assert check(_with("term", 2**63 - 1))
    assert check(_with("term", 2**80))  # beyond msgspec's integers: the model reads it
    assert check(_with("connection_id", "c-1"))
    assert not check(_with("connection_id", 5))
    assert check(_with("epochs", {"p1": "e"}))
    assert not check(_with("epochs", {"p1": 1}))
    assert check(_with("shard", "s2"))
    assert not check(_with("event_type", "not_an_event"))
    assert check(_with("recipients", {"p1": "7"}))  # lax in the model: read by it


def test_hostile_folding_is_judged_the_same() -> None:
    chat, response = _base(), RESPONSE.model_dump(mode="json")
    for folded in [None, {}, [None], [1], ["x"], [{}], [{**response, "extra": 1}]]:
        assert not check(json.dumps({**chat, "folded": folded}).encode())
    assert check(json.dumps({**chat, "folded": []}).encode())
    assert check(json.dumps({**chat, "folded": [{**response, "term": "4"}]}).encode())
    assert not check(json.dumps({**chat, "folded": [{**response, "term": 0}]}).encode())
    deep: dict[str, Any] = response
    for _ in range(30):
        deep = {**response, "folded": [deep]}
    assert check(json.dumps({**chat, "folded": [deep]}).encode())


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"null",
        b"[]",
        b"{}",
        b"\xef\xbb\xbf" + CHAT.model_dump_json().encode(),
        b" " + CHAT.model_dump_json().encode() + b" \n",
        CHAT.model_dump_json().encode() + b"x",
        CHAT.model_dump_json().encode()[:-1],
        CHAT.model_dump_json().encode().replace(b'"say"', b'"\xff"'),
        CHAT.model_dump_json().encode().replace(b'"say"', b'"\\ud800"'),
        CHAT.model_dump_json().encode().replace(b'"say"', b'"\\ud83d\\ude00"'),
        CHAT.model_dump_json().encode().replace(b'"say"', b"NaN"),
        CHAT.model_dump_json().encode().replace(b'"say"', b"-Infinity"),
        CHAT.model_dump_json().encode().replace(b'"say"', b"1E400"),
        CHAT.model_dump_json().encode().replace(b'"say"', b"1e20"),
        CHAT.model_dump_json().encode().replace(b'"say"', b"123456789012345678901234567890"),
        CHAT.model_dump_json().encode().replace(b'"term":3', b'"term":3,"term":4'),
        CHAT.model_dump_json().encode().replace(b'"term":3', b'"term":0,"term":4'),
        CHAT.model_dump_json().encode().replace(b'"term":3', b'"term":4,"term":0'),
        CHAT.model_dump_json().encode().replace(b'"data":{', b'"data":{"channel":1,'),
        CHAT.model_dump_json().encode().replace(b'"chat_message"', b'"chat_\\u006dessage"'),
    ],
)
def test_malformed_and_odd_bodies_are_judged_the_same(body: bytes) -> None:
    check(body)


@pytest.mark.parametrize("depth", [*range(DEPTH_CHECK_BRACKETS - 3, DEPTH_CHECK_BRACKETS + 6), 500])
def test_nesting_at_the_model_s_depth_limit_is_judged_the_same(depth: int) -> None:
    body = _with("data", {"deep": json.loads("[" * depth + "]" * depth)})
    check(body)


# --- generated --------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300)
@given(
    data=st.dictionaries(st.text(), _json, max_size=4),
    recipients=st.dictionaries(st.text(min_size=1), st.integers(0, 2**62), min_size=1, max_size=5),
    room=st.none() | st.text(),
    at=st.datetimes(timezones=st.sampled_from([UTC, None, timezone_of(5, 30), timezone_of(-3, 0)])),
    term=st.none() | st.integers(1, 2**40),
)
def test_any_envelope_a_game_can_build_reads_and_renders_the_same(
    data: dict[str, Any],
    recipients: dict[str, int],
    room: str | None,
    at: datetime,
    term: int | None,
) -> None:
    envelope = EventEnvelope(
        event_type="chat_message",
        timestamp=at,
        room_id=room,
        data=data,
        recipients=recipients,
        shard="s1",
        term=term,
    )
    body = envelope.model_dump_json().encode()
    assert check(body)
    if body.count(b"{") + body.count(b"[") < DEPTH_CHECK_BRACKETS:
        _DECODER.decode(body)  # msgspec's own reading, not the model's


@settings(max_examples=300)
@given(field=st.sampled_from([*EventEnvelope.model_fields]), value=_json)
def test_any_json_in_any_field_is_judged_the_same(field: str, value: Any) -> None:
    check(_with(field, value))


def test_what_an_envelope_answers_is_never_rendered_to_the_client() -> None:
    """``answers`` is the edge's (its route), like ``shard`` and ``term``: a client reads
    ``ServerMessage``, which has no such field, whichever reading rendered the frame."""
    assert "answers" not in ServerMessage.model_fields
    body = RESPONSE.model_dump_json().encode()
    assert b'"answers":"d-91f2"' in body
    for rendered in (RESPONSE.render_for("p0"), read_envelope(body).render_for("p0")):
        assert rendered is not None and "d-91f2" not in rendered and "answers" not in rendered
        assert set(json.loads(rendered)) == set(ServerMessage.model_fields)


def test_a_model_and_its_wire_form_render_the_same() -> None:
    for envelope in SENT:
        wire = from_model(envelope)
        for player_id in [*envelope.recipients, OUTSIDER]:
            assert wire.render_for(player_id) == envelope.render_for(player_id)
