"""An edge's heartbeat written from plain dicts is the model's JSON, byte for byte, and
the game reads back the same connections."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from mythos_contracts.envelope import EDGE_MESSAGE, EdgeHeartbeat, HeldConnection
from mythos_contracts.heartbeat_wire import HeldConnectionFields, edge_heartbeat_json

SENT_AT = datetime(2026, 12, 6, 10, 30, 1, 234567, tzinfo=UTC)

_held = st.builds(
    HeldConnectionFields,
    player_id=st.text(),
    player_name=st.text(),
    player_role=st.sampled_from(["player", "admin"]),
    connection_id=st.text(),
    epoch=st.none() | st.text(),
    delivered=st.none() | st.integers(min_value=0, max_value=2**53),
)


def _model_json(edge_id: str, connections: list[HeldConnectionFields]) -> bytes:
    beat = EdgeHeartbeat(
        edge_id=edge_id,
        connections=[HeldConnection(**c) for c in connections],
        sent_at=SENT_AT,
    )
    return beat.model_dump_json().encode()


@given(st.text(), st.lists(_held, max_size=5))
def test_the_bytes_are_the_models(edge_id: str, connections: list[HeldConnectionFields]) -> None:
    written = edge_heartbeat_json(edge_id, connections, sent_at=SENT_AT)
    assert written == _model_json(edge_id, connections)


@given(st.datetimes(timezones=st.just(UTC)))
def test_every_instant_is_written_as_the_model_writes_it(sent_at: datetime) -> None:
    # Whole seconds, whole milliseconds, any microseconds: the model's text each time.
    beat = EdgeHeartbeat(edge_id="e", connections=[], sent_at=sent_at).model_dump_json()
    assert edge_heartbeat_json("e", [], sent_at=sent_at) == beat.encode()


def test_the_game_reads_the_connections_back() -> None:
    connections: list[HeldConnectionFields] = [
        {
            "player_id": "p1",
            "player_name": "Zoë ☃",
            "player_role": "admin",
            "connection_id": "c1",
            "epoch": "e1",
            "delivered": 41,
        },
        {
            "player_id": "p2",
            "player_name": "P2",
            "player_role": "player",
            "connection_id": "c2",
            "epoch": None,
            "delivered": None,
        },
    ]
    beat = EDGE_MESSAGE.validate_json(edge_heartbeat_json("edge-1", connections))
    assert isinstance(beat, EdgeHeartbeat) and beat.edge_id == "edge-1"
    assert [c.model_dump() for c in beat.connections] == connections
    assert beat.sent_at.tzinfo is not None
