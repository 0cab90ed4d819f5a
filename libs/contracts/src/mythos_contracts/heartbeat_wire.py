"""An edge's heartbeat written without building its models.

``EdgeHeartbeat`` (pydantic) stays the contract the game reads. An edge writes one every
few seconds listing every connection it holds, and building a ``HeldConnection`` model
per connection made each one a spike of the edge's CPU (about 3 µs a connection).
``edge_heartbeat_json`` writes the bytes ``EdgeHeartbeat(...).model_dump_json()`` writes,
from plain dicts (a test holds the two equal), with msgspec's encoder: at 5,000
connections 0.8 ms a heartbeat against pydantic's serialiser's 2.5 from the same dicts
(best of 5 runs of 20, on a slow machine), a stall of the edge's loop every few seconds.

The game reads it the same way round: ``read_edge_heartbeat`` decodes with msgspec's
strict mode into structs the garbage collector does not track, and answers None for
anything the model might read otherwise (the game then reads it with the model, as
``player_command_wire`` does for commands). Through the model, a heartbeat of 5,000
connections cost the game about 11 ms of its loop and 10,000 tracked objects, every few
seconds per edge, each object a candidate for the old generation that full collections
walk; decoded here, about 1.4 ms and one list (``mythos_bench.heartbeat_read``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal, TypedDict

import msgspec

from mythos_contracts.envelope import HeldConnection, utc_now
from mythos_contracts.envelope_wire import TIMESTAMP_PATTERN


class HeldConnectionFields(TypedDict):
    """``HeldConnection``'s fields, in its order (see the model for what each means;
    ``delivered`` is never negative)."""

    player_id: str
    player_name: str
    player_role: str
    connection_id: str
    epoch: str | None
    delivered: int | None


_ENCODER = msgspec.json.Encoder()


def edge_heartbeat_json(
    edge_id: str, connections: Sequence[HeldConnectionFields], *, sent_at: datetime | None = None
) -> bytes:
    """``EdgeHeartbeat(edge_id=..., connections=[HeldConnection(**c) ...]).model_dump_json()``,
    byte for byte (``sent_at``: now unless given)."""
    return _ENCODER.encode(
        {  # EdgeHeartbeat's fields, in its order
            "kind": "edge_heartbeat",
            "edge_id": edge_id,
            "connections": connections,
            "sent_at": utc_now() if sent_at is None else sent_at,
        }
    )


class WireHeldConnection(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """``HeldConnection``'s fields as they travel (see the model for what each means)."""

    player_id: str
    player_name: str
    player_role: str = "player"
    connection_id: str
    epoch: str | None = None
    delivered: Annotated[int, msgspec.Meta(ge=0)] | None = None

    def model(self) -> HeldConnection:
        """The model of this connection (what adopting its player takes)."""
        return HeldConnection(
            player_id=self.player_id,
            player_name=self.player_name,
            player_role=self.player_role,
            connection_id=self.connection_id,
            epoch=self.epoch,
            delivered=self.delivered,
        )


def held_model(held: HeldConnection | WireHeldConnection) -> HeldConnection:
    """The model of a connection however its heartbeat was read."""
    return held.model() if isinstance(held, WireHeldConnection) else held


def _now_text() -> str:
    return utc_now().isoformat()


class WireEdgeHeartbeat(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """``EdgeHeartbeat``'s fields as they travel. ``kind`` is required (a message without
    it is not a heartbeat: the model's union refuses it); ``sent_at`` is kept as the text
    that arrived, checked to be a real instant."""

    kind: Literal["edge_heartbeat"]
    edge_id: str
    connections: list[WireHeldConnection] = msgspec.field(default_factory=list)
    sent_at: Annotated[str, msgspec.Meta(pattern=TIMESTAMP_PATTERN)] = msgspec.field(
        default_factory=_now_text
    )

    def __post_init__(self) -> None:
        # The pattern admits 2026-02-30 and 25:00: a ValueError fails the decode, and the
        # model reads the message.
        datetime.fromisoformat(self.sent_at)


_DECODER = msgspec.json.Decoder(WireEdgeHeartbeat)


def read_edge_heartbeat(body: bytes) -> WireEdgeHeartbeat | None:
    """The heartbeat in ``body`` when msgspec's strict reading takes it (the model takes it
    too, with the same values); None otherwise: read it with the model."""
    try:
        return _DECODER.decode(body)
    except msgspec.DecodeError:  # ValidationError too
        return None
