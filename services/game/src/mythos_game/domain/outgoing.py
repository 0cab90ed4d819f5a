"""What a command asks to be told, and to whom. Sequencing and routing happen later."""

from __future__ import annotations

from dataclasses import dataclass, field

from mythos_contracts.events import EventType, Payload


@dataclass(frozen=True)
class ToPlayer:
    player_id: str


@dataclass(frozen=True)
class ToRoom:
    room_id: str
    exclude: frozenset[str] = field(default_factory=frozenset)


Audience = ToPlayer | ToRoom


@dataclass(frozen=True)
class Outgoing:
    event_type: EventType
    audience: Audience
    data: Payload
    room_id: str | None = None
