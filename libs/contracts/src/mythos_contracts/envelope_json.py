"""The game's fast writing of an ``EventEnvelope``: its JSON, without building the model.

``EventEnvelope`` (pydantic) stays the contract: its schema, its docs, and what an edge
that reads the slow way accepts. A game writes one or more envelopes per message it
handles, and validating a model only to dump it again was most of its pydantic cost per
``say``. ``envelope_json`` writes the model's fields, in its order, with msgspec; the
payload (``data``) is written once per event by its own model's serialiser
(``payload_json``) and spliced in as it is. A test checks that what it writes reads back
as the same model and holds every key ``model_dump_json`` writes, in the same order, for
every event type.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from pydantic import BaseModel

from mythos_contracts.envelope import utc_now
from mythos_contracts.events import EVENT_TYPES, EventType

_ENCODER = msgspec.json.Encoder()
_EVENT_TYPES = frozenset(EVENT_TYPES)


def payload_json(payload: BaseModel) -> bytes:
    """``payload.model_dump_json().encode()``, byte for byte: the model's own serialiser,
    without the keyword handling of ``model_dump_json``."""
    return payload.__pydantic_serializer__.to_json(payload)


def envelope_json(
    event_type: EventType,
    data: bytes,
    recipients: dict[str, int],
    *,
    room_id: str | None = None,
    connection_id: str | None = None,
    epochs: dict[str, str] | None = None,
    shard: str | None = None,
    term: int | None = None,
    answers: str | None = None,
    timestamp: datetime | None = None,
) -> bytes:
    """What ``EventEnvelope(...).model_dump_json().encode()`` writes for the same fields
    (``timestamp`` now when None), given ``data``, the payload's JSON (``payload_json``).

    Only what the model would check and the game could get wrong is checked: the event
    type, and the term (at least 1). ``data`` is trusted to be one JSON object."""
    if event_type not in _EVENT_TYPES:
        raise ValueError(f"not an event type: {event_type!r}")
    if term is not None and term < 1:
        raise ValueError(f"a term is at least 1, not {term}")
    return _ENCODER.encode(
        {  # EventEnvelope's fields, in its order (``folded`` is never dumped)
            "event_type": event_type,
            "timestamp": utc_now() if timestamp is None else timestamp,
            "room_id": room_id,
            "data": msgspec.Raw(data),
            "recipients": recipients,
            "connection_id": connection_id,
            "epochs": epochs,
            "shard": shard,
            "term": term,
            "answers": answers,
        }
    )
