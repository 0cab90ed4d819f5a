"""What a command asks to be told, and to whom. Sequencing and routing happen later."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from mythos_contracts.events import ChatMessageData, EventType, Payload


@dataclass(frozen=True)
class ToPlayer:
    player_id: str


@dataclass(frozen=True)
class ToRoom:
    room_id: str
    exclude: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class ToSubzone:
    """Everyone in the rooms of one sub-zone (the ``local`` channel)."""

    subzone_id: str
    exclude: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class ToEveryone:
    """Every player in the world (``global``, broadcasts, the game tick)."""

    exclude: frozenset[str] = field(default_factory=frozenset)


Audience = ToPlayer | ToRoom | ToSubzone | ToEveryone


@dataclass(frozen=True)
class Disconnect:
    """Ask that a player's connection be closed (``quit``, ``kick``)."""

    player_id: str
    code: int
    reason: str
    leave_world: bool = True


@dataclass(frozen=True)
class Outgoing:
    event_type: EventType
    audience: Audience
    data: Payload | bytes
    """The payload, or its JSON as the payload's model writes it (``payload_json``), when
    the caller wrote it already."""
    room_id: str | None = None
    answers: str | None = None
    """On a ``command_response`` or ``error``: the ``delivery_id`` of the input it answers
    (the envelope's ``answers``, for the edge's route; never shown to the client)."""


@dataclass(frozen=True)
class RemoteWhisper:
    """A whisper line for a player on another shard (``WhisperRelay``): that shard sends
    it to them; this one has checked it and answers the sender."""

    shard: str
    player_id: str
    line: ChatMessageData


@dataclass(frozen=True)
class WorldLine:
    """A ``global`` or ``broadcast`` line on a shard of a split map: checked here, then
    ordered by the lobby and stamped by every shard for its own players (``GlobalSaid``)."""

    channel: Literal["global", "broadcast"]
    line: ChatMessageData
    exclude_speaker: bool


@dataclass(frozen=True)
class RemoteCall:
    """An admin command on a player of another shard (``ShardCall``): that shard runs
    it; the command is answered when its result comes back."""

    shard: str
    player_id: str
    name: str
    command: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class ZoneMove:
    """A zone this shard owns, to hand to shard ``to`` once the command's answer is out
    (``admin move``): its state and the players standing in it go with it."""

    zone: str
    to: str
