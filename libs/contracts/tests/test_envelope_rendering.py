"""The edge's fast rendering must be byte-for-byte the model's own serialisation."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from mythos_contracts.envelope import EventEnvelope

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(
    data=st.dictionaries(st.text(), _json, max_size=4),
    recipients=st.dictionaries(st.text(min_size=1), st.integers(0, 10**9), min_size=1, max_size=5),
    room=st.none() | st.text(),
)
def test_render_for_equals_the_model_serialisation(
    data: dict[str, object], recipients: dict[str, int], room: str | None
) -> None:
    envelope = EventEnvelope(
        event_type="chat_message", room_id=room, data=data, recipients=recipients
    )
    for player_id in recipients:
        fast = envelope.render_for(player_id)
        slow = envelope.for_recipient(player_id)
        assert slow is not None and fast == slow.model_dump_json()
        assert json.loads(fast)["sequence_number"] == recipients[player_id]
    assert envelope.render_for("someone else entirely" * 3) is None or (
        "someone else entirely" * 3 in recipients
    )
