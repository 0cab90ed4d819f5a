"""The game's fast writing of envelopes: for every event type, ``envelope_json`` writes
what ``EventEnvelope(...).model_dump_json()`` writes (every key, in its order, the same
bytes), and it reads back as the same model; ``payload_json`` is ``model_dump_json``."""

from __future__ import annotations

import json
import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import annotated_types
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mythos_contracts.envelope import EventEnvelope
from mythos_contracts.envelope_json import envelope_json, payload_json
from mythos_contracts.events import EVENT_PAYLOADS, EventType, Payload
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

AT = datetime(2026, 12, 5, 0, 30, 1, 123456, tzinfo=UTC)


def _valid(model: type[BaseModel], fields: dict[str, Any]) -> BaseModel | None:
    try:
        return model.model_validate(fields)
    except ValidationError:  # a value outside the field's limits
        return None


def values(annotation: Any) -> st.SearchStrategy[Any]:
    """Values for a payload's field: nested models built the same way, small numbers
    (most limits are small), anything else as hypothesis infers it."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return models(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return values(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(values(a) for a in typing.get_args(annotation)))
    if origin is list:
        return st.lists(values(typing.get_args(annotation)[0]), max_size=3)
    if origin is dict:
        key, value = typing.get_args(annotation)
        return st.dictionaries(values(key), values(value), max_size=3)
    if annotation is int:
        return st.integers(min_value=-2, max_value=120)
    return st.from_type(annotation)


def field_values(field: FieldInfo) -> st.SearchStrategy[Any]:
    """``values``, with an integer field's own bounds (few would pass them otherwise)."""
    if field.annotation is int:
        low = max([m.ge for m in field.metadata if isinstance(m, annotated_types.Ge)], default=-2)
        high = min([m.le for m in field.metadata if isinstance(m, annotated_types.Le)], default=120)
        return st.integers(min_value=low - 1, max_value=high + 1)  # one beyond, refused
    return values(field.annotation)


def models(model: type[BaseModel]) -> st.SearchStrategy[BaseModel]:
    fields = {
        (f.alias or name): st.deferred(lambda f=f: field_values(f))
        for name, f in model.model_fields.items()
    }
    required = {
        k: s
        for (name, f), (k, s) in zip(model.model_fields.items(), fields.items(), strict=True)
        if f.is_required()
    }
    optional = {k: s for k, s in fields.items() if k not in required}
    return (
        st.fixed_dictionaries(required, optional=optional)
        .map(lambda kw: _valid(model, kw))
        .filter(lambda m: m is not None)
    )


def envelope_fields() -> st.SearchStrategy[dict[str, Any]]:
    ids = st.text(max_size=6)
    return st.fixed_dictionaries(
        {
            "recipients": st.dictionaries(ids, st.integers(min_value=0, max_value=2**53)),
            "room_id": st.none() | ids,
            "connection_id": st.none() | ids,
            "epochs": st.none() | st.dictionaries(ids, ids, max_size=3),
            "shard": st.none() | ids,
            "term": st.none() | st.integers(min_value=1, max_value=2**40),
            "answers": st.none() | ids,
            "timestamp": st.datetimes(timezones=st.just(UTC)) | st.just(AT),
        }
    )


def assert_written_alike(event_type: EventType, payload: Payload, fields: dict[str, Any]) -> None:
    model = EventEnvelope(event_type=event_type, data=payload.model_dump(mode="json"), **fields)
    expected = model.model_dump_json().encode()
    fast = envelope_json(event_type, payload_json(payload), **fields)
    # Every key the model writes, in its order: a field added to the model and not here
    # fails this even when its default would read back the same.
    assert list(json.loads(fast)) == list(json.loads(expected))
    assert fast == expected
    # (Read back, not ``== model``: the model's own dump writes NaN and infinity as null.)
    assert EventEnvelope.model_validate_json(fast) == EventEnvelope.model_validate_json(expected)


@pytest.mark.parametrize("event_type", list(EVENT_PAYLOADS))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_event_type_is_written_as_the_model_writes_it(
    event_type: EventType, data: st.DataObject
) -> None:
    payload = data.draw(models(EVENT_PAYLOADS[event_type]), label="payload")
    assert isinstance(payload, Payload)
    assert payload_json(payload) == payload.model_dump_json().encode()
    assert_written_alike(event_type, payload, data.draw(envelope_fields(), label="fields"))


def test_the_timestamp_is_now_unless_given() -> None:
    payload = EVENT_PAYLOADS["pong"]()
    before = datetime.now(UTC)
    written = EventEnvelope.model_validate_json(envelope_json("pong", payload_json(payload), {}))
    assert before <= written.timestamp <= datetime.now(UTC)
    other_zone = AT.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert_written_alike("pong", payload, {"recipients": {"p": 1}, "timestamp": other_zone})
    assert_written_alike(
        "pong", payload, {"recipients": {}, "timestamp": AT.replace(microsecond=0)}
    )


def test_what_the_model_would_refuse_is_refused() -> None:
    data = payload_json(EVENT_PAYLOADS["pong"]())
    with pytest.raises(ValueError, match="not an event type"):
        envelope_json("pongs", data, {})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="term"):
        envelope_json("pong", data, {}, term=0)
