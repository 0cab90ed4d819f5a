"""Envelopes folded into another travel as one bus message and come out as they went in:
the same envelopes, in the same order, each exactly as it would have been alone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mythos_contracts.envelope import EventEnvelope, fold

_text = st.text(max_size=20)
_envelopes = st.builds(
    EventEnvelope,
    event_type=st.sampled_from(["chat_message", "command_response", "player_left"]),
    room_id=st.none() | _text,
    data=st.dictionaries(_text, st.none() | st.integers() | _text, max_size=3),
    recipients=st.dictionaries(st.text(min_size=1, max_size=8), st.integers(1, 10**6), max_size=3),
)


@given(carrier=_envelopes, riders=st.lists(_envelopes, max_size=3))
def test_a_fold_splits_back_into_the_same_envelopes_in_order(
    carrier: EventEnvelope, riders: list[EventEnvelope]
) -> None:
    bodies = [e.model_dump_json().encode() for e in (carrier, *riders)]
    wire = fold(bodies[0], bodies[1:])
    carried = EventEnvelope.model_validate_json(wire).carried()
    # Each one, re-encoded, is byte for byte what it was alone: what history keeps and
    # what a replay sends are unchanged by having travelled folded.
    assert [e.model_dump_json().encode() for e in carried] == bodies
    for alone, split in zip((carrier, *riders), carried, strict=True):
        for player_id in alone.recipients:
            assert split.render_for(player_id) == alone.render_for(player_id)


def test_nothing_to_fold_is_the_carrier_unchanged() -> None:
    body = EventEnvelope(event_type="pong", data={}, recipients={"a": 1}).model_dump_json()
    assert fold(body.encode(), []) == body.encode()


def test_a_dump_never_writes_what_was_folded() -> None:
    alone = EventEnvelope(event_type="chat_message", data={}, recipients={"a": 1})
    rider = EventEnvelope(event_type="command_response", data={}, recipients={"b": 2})
    wire = fold(alone.model_dump_json().encode(), [rider.model_dump_json().encode()])
    parsed = EventEnvelope.model_validate_json(wire)
    assert len(parsed.folded) == 1
    assert parsed.model_dump_json() == alone.model_dump_json()


def test_only_an_object_can_carry() -> None:
    with pytest.raises(ValueError, match="not a JSON object"):
        fold(b"[1]", [b"{}"])


@given(
    carrier=_envelopes,
    first=st.lists(_envelopes, min_size=1, max_size=3),
    then=st.lists(_envelopes, min_size=1, max_size=3),
)
def test_folding_onto_a_carrier_that_carries_keeps_every_envelope_in_order(
    carrier: EventEnvelope, first: list[EventEnvelope], then: list[EventEnvelope]
) -> None:
    # What a game's turn does: the envelopes of several messages, each maybe carrying,
    # joined into one message.
    bodies = [e.model_dump_json().encode() for e in (carrier, *first, *then)]
    once = fold(bodies[0], bodies[1 : 1 + len(first)])
    wire = fold(once, bodies[1 + len(first) :])
    carried = EventEnvelope.model_validate_json(wire).carried()
    assert [e.model_dump_json().encode() for e in carried] == bodies
