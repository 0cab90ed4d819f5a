"""Event types a client can receive, and the payload model of each."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from mythos_contracts.events.character import (
    STATUS_REASONS,
    Characteristics,
    CharacterSummary,
    CharacterView,
    Condition,
    Derived,
    InventoryView,
    ItemView,
    Slot,
    Status,
    StatusReason,
    Tier,
)
from mythos_contracts.events.payload import Payload
from mythos_contracts.events.play import (
    CharacterListData,
    CharacterRollData,
    Combatant,
    CombatEventData,
    CombatEventKind,
    HallucinationData,
    HallucinationKind,
    InventoryUpdateData,
    ItemAction,
    ItemEventData,
    NpcPresenceData,
    NpcPresenceReason,
    RoomMessageData,
    StatusUpdateData,
    TierChange,
)

EventType = Literal[
    "game_state",
    "room_update",
    "player_entered",
    "player_left",
    "chat_message",
    "command_response",
    "error",
    "disconnect",
    "heartbeat",
    "pong",
    "game_tick",
    "auth_ok",
    "inventory_update",
    "item_event",
    "npc_entered",
    "npc_left",
    "combat_event",
    "room_message",
    "character_roll",
    "character_list",
    "status_update",
    "hallucination",
]

EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
"""Every event type, in the order of ``EventType`` (one list, derived)."""

# Control messages are outside the stream: their ``sequence_number`` is the last
# number issued to that player (it does not advance), and they are never replayed.
CONTROL_EVENT_TYPES: frozenset[str] = frozenset({"disconnect", "heartbeat", "pong", "auth_ok"})

ChatChannel = Literal["say", "emote", "local", "global", "whisper", "system"]
Distortion = Literal["strained", "glyph", "muffled", "scrambled"]


class PlayerView(Payload):
    id: str
    name: str


class RoomThing(Payload):
    """Something listed in a room: an item on the floor, or an NPC (its instance id, npc-…)."""

    id: str
    prototype: str
    name: str


class RoomView(Payload):
    id: str
    name: str
    description: str
    exits: dict[str, str] = Field(description="direction -> room id")
    occupants: list[str] = Field(
        description="names of the players in the room, the viewer included"
    )
    items: list[RoomThing] = Field(
        default_factory=list, description="the items on the floor, in order of arrival"
    )
    npcs: list[RoomThing] = Field(
        default_factory=list, description="the NPCs in the room, in order of arrival"
    )


class GameStateData(Payload):
    """First message of every stream: who you are and where you stand."""

    player: PlayerView
    room: RoomView
    epoch: str = Field(description="identity of this event stream; sequence numbers are per epoch")
    session_id: str = Field(description="private id of this stream; present it to resume")
    resync: bool = Field(
        default=False,
        description="true when a resume could not be served: rebuild your view from this message",
    )
    heartbeat_interval_seconds: float | None = Field(
        default=None,
        gt=0,
        description="seconds between heartbeats; a client derives its silence timeout from it",
    )
    character: CharacterView | None = Field(
        default=None, description="the character you play (``player`` is its id and name)"
    )


class RoomUpdateData(Payload):
    """Sent to a player whose room changed (or whose view of it must be refreshed)."""

    room: RoomView


class PresenceData(Payload):
    """``player_entered`` / ``player_left``: someone else arrived in or left your room."""

    player_id: str
    player_name: str


class ChatMessageData(Payload):
    """A line someone said. ``history`` marks lines from before you logged in."""

    channel: ChatChannel
    player_id: str
    player_name: str
    message: str
    text: str = Field(description="the line as a player reads it, e.g. 'Alice says: hello'")
    history: bool = False
    distortion: list[Distortion] = Field(
        default_factory=list,
        description="what a troubled mind did to this line: the speaker's (strained, glyph), "
        "then this reader's own (muffled, scrambled)",
    )


class CommandResponseData(Payload):
    """Exactly one per command a client sends."""

    command: str
    command_id: str | None
    success: bool
    result: str = Field(description="the text the player reads")
    retry_after: float | None = Field(
        default=None,
        exclude_if=lambda value: value is None,  # only in a refusal: absent otherwise
        description="only when the edge refused the command for its rate (not run): "
        "seconds until one may be sent again",
    )


class ErrorData(Payload):
    """Input that could not be understood as a command at all (e.g. invalid JSON)."""

    message: str
    command_id: str | None = None


class DisconnectData(Payload):
    """The server ends this session; the edge closes the socket with ``code`` after sending it."""

    code: int = Field(description="WebSocket close code, see docs/protocol.md")
    reason: str


class PongData(Payload):
    """The edge's answer to ``{"command": "ping"}``: nothing but the message itself."""


class HeartbeatData(Payload):
    """Sent every interval; ``sequence_number`` is the last number issued to you."""

    interval_seconds: float


class AuthOkData(Payload):
    """The edge accepted a token sent in-band (``{"command": "auth", "args": [token]}``)."""

    command_id: str | None = None
    expires_at: str = Field(description="when the new token expires (ISO 8601, UTC)")
    expires_in: int = Field(description="seconds until then, by the server's clock")


class GameTickData(Payload):
    """The world's clock, sent to everyone at a low rate (every 60 ticks by default)."""

    tick_number: int
    timestamp: str


EVENT_PAYLOADS: dict[EventType, type[Payload]] = {
    "game_state": GameStateData,
    "room_update": RoomUpdateData,
    "player_entered": PresenceData,
    "player_left": PresenceData,
    "chat_message": ChatMessageData,
    "command_response": CommandResponseData,
    "error": ErrorData,
    "disconnect": DisconnectData,
    "heartbeat": HeartbeatData,
    "pong": PongData,
    "game_tick": GameTickData,
    "auth_ok": AuthOkData,
    "inventory_update": InventoryUpdateData,
    "item_event": ItemEventData,
    "npc_entered": NpcPresenceData,
    "npc_left": NpcPresenceData,
    "combat_event": CombatEventData,
    "room_message": RoomMessageData,
    "character_roll": CharacterRollData,
    "character_list": CharacterListData,
    "status_update": StatusUpdateData,
    "hallucination": HallucinationData,
}
"""The ``data`` of each event type (what docs/protocol.md's table lists)."""

__all__ = [
    "CONTROL_EVENT_TYPES",
    "EVENT_PAYLOADS",
    "EVENT_TYPES",
    "STATUS_REASONS",
    "AuthOkData",
    "CharacterListData",
    "CharacterRollData",
    "CharacterSummary",
    "CharacterView",
    "Characteristics",
    "ChatChannel",
    "ChatMessageData",
    "CombatEventData",
    "CombatEventKind",
    "Combatant",
    "CommandResponseData",
    "Condition",
    "Derived",
    "DisconnectData",
    "Distortion",
    "ErrorData",
    "EventType",
    "GameStateData",
    "GameTickData",
    "HallucinationData",
    "HallucinationKind",
    "HeartbeatData",
    "InventoryUpdateData",
    "InventoryView",
    "ItemAction",
    "ItemEventData",
    "ItemView",
    "NpcPresenceData",
    "NpcPresenceReason",
    "Payload",
    "PlayerView",
    "PongData",
    "PresenceData",
    "RoomMessageData",
    "RoomThing",
    "RoomUpdateData",
    "RoomView",
    "Slot",
    "Status",
    "StatusReason",
    "StatusUpdateData",
    "Tier",
    "TierChange",
]
