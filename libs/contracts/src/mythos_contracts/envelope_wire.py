"""The edge's fast reading of an ``EventEnvelope``: a msgspec mirror of its wire fields.

``EventEnvelope`` (pydantic) stays the contract: the schema, the docs and what the game
builds and sends are its. An edge reads one per delivery and renders it for every local
recipient, and pydantic there is most of the edge's cost per message. ``WireEnvelope``
mirrors the model's fields (a test fails when the two differ) and ``read_envelope``
decodes with it, in msgspec's strict mode, which accepts a subset of what the model
accepts with the same values. Whatever that subset leaves out (a number sent as text, a
timestamp in another ISO 8601 form, nesting near pydantic's depth limit...) goes through
the model itself, so an edge accepts and refuses exactly what it did, and renders the
same bytes: only the cost of the common case changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
import pydantic_core

from mythos_contracts.envelope import EventEnvelope, utc_now
from mythos_contracts.events import EventType

# The timestamps a game writes (RFC 3339 as pydantic serialises it, at most microseconds).
# Other forms the model accepts (a date alone, a Unix time, a lower-case "t"...) are read
# by the model. ASCII digits only (``\d`` takes any script's), and ``\Z`` because ``$``
# allows a final newline.
TIMESTAMP_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})?\Z"
)
_SEQUENCE_AND_PLAYER = b'"sequence_number":0,"player_id":""'

# pydantic refuses JSON nested 202 deep or more, and msgspec goes much deeper: a body
# with this many opening brackets or more (counted anywhere, strings too) could be that
# deep, and is read by the model. Real envelopes have a few dozen.
DEPTH_CHECK_BRACKETS = 200


def _now_text() -> str:
    return _rfc3339(utc_now())


def _rfc3339(at: datetime) -> str:
    """``at`` exactly as pydantic writes a datetime in JSON (without the quotes)."""
    return pydantic_core.to_json(at).decode()[1:-1]


class WireEnvelope(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, dict=True):
    """``EventEnvelope``'s fields as they travel (see the model for what each means).

    ``timestamp`` is kept as the text that arrived, checked to be a real instant (a
    rendered frame writes it as the model would). ``dict=True`` holds each envelope's
    rendered template once the first recipient needed it."""

    event_type: EventType
    timestamp: Annotated[str, msgspec.Meta(pattern=TIMESTAMP_PATTERN)] = msgspec.field(
        default_factory=_now_text
    )
    room_id: str | None = None
    data: dict[str, Any]
    recipients: dict[str, int]
    connection_id: str | None = None
    epochs: dict[str, str] | None = None
    shard: str | None = None
    term: Annotated[int, msgspec.Meta(ge=1)] | None = None
    answers: str | None = None
    folded: list[WireEnvelope] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        # The pattern admits 2026-02-30 and 25:00: the calendar and the clock are checked
        # here (a ValueError is a validation error of the decode, as in the model).
        datetime.fromisoformat(self.timestamp)

    def carried(self) -> list[WireEnvelope]:
        """This envelope, then every envelope folded into it, in delivery order."""
        if not self.folded:
            return [self]
        return [self, *(e for f in self.folded for e in f.carried())]

    def render_for(self, player_id: str) -> str | None:
        """What ``EventEnvelope.render_for`` gives for the same envelope, byte for byte: the
        ``ServerMessage`` ``player_id`` reads, as JSON text, or None when not theirs."""
        seq = self.recipients.get(player_id)
        if seq is None:
            return None
        return self.render_json(seq, player_field(player_id)).decode()

    def render_json(self, seq: int, player: bytes) -> bytes:
        """``render_for`` as UTF-8 bytes for the recipient numbered ``seq`` whose
        ``player_field`` is ``player``: the fan-out's path, one splice per recipient."""
        rendered: tuple[bytes, bytes] | None = self.__dict__.get("_rendered")
        if rendered is None:
            rendered = self.__dict__["_rendered"] = self._template()
        return b"%b%d%b%b" % (rendered[0], seq, player, rendered[1])

    def _template(self) -> tuple[bytes, bytes]:
        # ServerMessage's fields, in its order, through pydantic's own serialiser: the
        # same bytes as ServerMessage(...).model_dump_json(), without building the model.
        shared = pydantic_core.to_json(
            {
                "event_type": self.event_type,
                "timestamp": datetime.fromisoformat(self.timestamp),
                "sequence_number": 0,
                "player_id": "",
                "room_id": self.room_id,
                "data": self.data,
            },
            inf_nan_mode="null",  # as the model's (pydantic's default for models)
        )
        head, _, rest = shared.partition(_SEQUENCE_AND_PLAYER)
        return head + b'"sequence_number":', rest


def player_field(player_id: str) -> bytes:
    """What follows a rendered message's sequence number for ``player_id``: its
    ``player_id`` field, as ``WireEnvelope.render_json`` splices it (a connection's is
    the same for every message: made once)."""
    return b',"player_id":' + pydantic_core.to_json(player_id)


_DECODER = msgspec.json.Decoder(WireEnvelope)


def read_envelope(body: bytes) -> WireEnvelope:
    """The envelope in ``body``; raises pydantic's ``ValidationError`` for what the model
    refuses, exactly as ``EventEnvelope.model_validate_json`` does."""
    if body.count(b"{") + body.count(b"[") < DEPTH_CHECK_BRACKETS:
        try:
            return _DECODER.decode(body)
        except msgspec.DecodeError:  # ValidationError too: the model decides, below
            pass
    return from_model(EventEnvelope.model_validate_json(body))


def from_model(envelope: EventEnvelope) -> WireEnvelope:
    """The wire form of a model (with what is folded into it)."""
    return WireEnvelope(
        event_type=envelope.event_type,
        timestamp=_rfc3339(envelope.timestamp),
        room_id=envelope.room_id,
        data=envelope.data,
        recipients=envelope.recipients,
        connection_id=envelope.connection_id,
        epochs=envelope.epochs,
        shard=envelope.shard,
        term=envelope.term,
        answers=envelope.answers,
        folded=[from_model(f) for f in envelope.folded],
    )
