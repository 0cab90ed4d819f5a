"""Event types a client can receive, and the payload model of each."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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

EVENT_TYPES: tuple[EventType, ...] = (
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
)

# Control messages are outside the stream: their ``sequence_number`` is the last
# number issued to that player (it does not advance), and they are never replayed.
CONTROL_EVENT_TYPES: frozenset[str] = frozenset({"disconnect", "heartbeat", "pong", "auth_ok"})

ChatChannel = Literal["say", "emote", "local", "global", "whisper", "system"]
Distortion = Literal["strained", "glyph", "muffled", "scrambled"]
HallucinationKind = Literal["whisper", "shadow", "overlay"]


class Payload(BaseModel):
    # The schema describes what is sent, and every field is sent (defaults included).
    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_serialization_defaults_required=True
    )


class PlayerView(Payload):
    id: str
    name: str


class ItemView(Payload):
    """One item in the world; its ``id`` never changes as it moves."""

    id: str
    prototype: str = Field(description="the id of its kind, e.g. 'brass-lantern'")
    name: str = Field(description="with its article, e.g. 'a brass lantern'")
    weight: float = Field(description="pounds")


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


Tier = Literal["lucid", "uneasy", "fractured", "deranged", "catatonic"]
"""How lucid a character is, from their lucidity (docs/protocol.md, "Characters")."""

Condition = Literal["healthy", "bleeding", "dead"]
"""``healthy`` (DP >= 1), ``bleeding`` (-10 < DP <= 0) or ``dead`` (DP <= -10)."""

STATUS_REASONS: tuple[str, ...] = (
    "combat",
    "encounter",
    "ambience",
    "witnessed_death",
    "catatonia",
    "bleeding",
    "aid",
    "regen",
    "respawn",
    "item",
    "meditate",
    "pray",
    "ground",
    "asylum",
    "xp",
    "admin",
    "requested",
    "restart",
)
StatusReason = Literal[
    "combat",
    "encounter",
    "ambience",
    "witnessed_death",
    "catatonia",
    "bleeding",
    "aid",
    "regen",
    "respawn",
    "item",
    "meditate",
    "pray",
    "ground",
    "asylum",
    "xp",
    "admin",
    "requested",
    "restart",
]


class Characteristics(Payload):
    """The nine characteristics, each a whole number 1..99."""

    str_: int = Field(alias="str", ge=1, le=99)
    con: int = Field(ge=1, le=99)
    siz: int = Field(ge=1, le=99)
    dex: int = Field(ge=1, le=99)
    cha: int = Field(ge=1, le=99)
    int_: int = Field(alias="int", ge=1, le=99)
    pow: int = Field(ge=1, le=99)
    edu: int = Field(ge=1, le=99)
    luck: int = Field(ge=1, le=99)

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_serialization_defaults_required=True,
        populate_by_name=True,
        serialize_by_alias=True,
    )

    def as_dict(self) -> dict[str, int]:
        """Key -> value in the order shown (``str``, ``con``, ... ``luck``)."""
        return self.model_dump(by_alias=True)


class Derived(Payload):
    """What a roll's characteristics make of a character."""

    max_dp: int
    max_mp: int
    max_lucidity: int
    max_weight: int = Field(description="pounds one can carry")


class Status(Payload):
    """A character's vitals: what ``status_update`` carries whole."""

    dp: int = Field(description="determination (hit points); -10 is death")
    max_dp: int
    mp: int
    max_mp: int
    lucidity: int = Field(ge=-100, le=100)
    max_lucidity: int = 100
    tier: Tier
    condition: Condition
    in_combat: bool = False
    xp: int = Field(default=0, ge=0)


class CharacterSummary(Payload):
    """One of an account's characters, as ``character_list`` shows it."""

    id: str
    name: str
    profession: str
    playing: bool = Field(description="the character this connection plays now")
    room_id: str | None = Field(description="None until the character is first played")
    condition: Condition


Slot = Literal["head", "body", "hands", "feet", "neck", "main_hand", "off_hand"]


class InventoryView(Payload):
    """What a character carries and wears; worn items count toward weight, not things."""

    carried: list[ItemView]
    worn: dict[Slot, ItemView] = Field(description="slot -> item; a two-handed item is in both")
    weight: float = Field(description="pounds, carried and worn")
    max_weight: float
    things: int = Field(description="items carried (worn ones do not count)")
    max_things: int


class CharacterView(Payload):
    """What ``game_state`` says of the character you play."""

    profession: str
    characteristics: Characteristics
    status: Status
    inventory: InventoryView | None = Field(
        default=None, description="what you carry and wear (always sent in game_state)"
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


ItemAction = Literal[
    "get", "drop", "give", "equip", "unequip", "use", "spawn", "loot", "purge", "decay"
]


class Combatant(Payload):
    """Someone who acts or is acted on: a character or an NPC."""

    id: str
    name: str
    kind: Literal["player", "npc"]


class InventoryUpdateData(Payload):
    """Sent to you after any change to what you carry or wear, and after ``inventory``."""

    inventory: InventoryView


class ItemEventData(Payload):
    """Something happened to an item in your room (you did not do it yourself)."""

    action: ItemAction
    actor: Combatant | None = Field(description="who did it; null when nobody did (a spawn)")
    item: ItemView
    target: Combatant | None = Field(default=None, description="the recipient of a 'give'")
    slot: Slot | None = Field(default=None, description="the slot of an equip or unequip")
    text: str = Field(description="the line as you read it, e.g. 'Ada picks up a brass lantern.'")


NpcPresenceReason = Literal["spawned", "walked", "fled", "died", "purged"]


class NpcPresenceData(Payload):
    """``npc_entered`` / ``npc_left``: an NPC appeared in or left your room. Every change
    to a room's NPCs sends exactly one of these."""

    npc_id: str
    npc_name: str
    prototype: str
    reason: NpcPresenceReason
    direction: str | None = Field(
        default=None,
        description="walked/fled: where it went (npc_left) or came from (npc_entered), "
        "in that room's terms",
    )
    text: str | None = Field(default=None, description="the line to show, when there is one")


CombatEventKind = Literal["engage", "hit", "target", "flee", "flee_failed", "fall", "death", "end"]


class CombatEventData(Payload):
    """Something that happened in a fight. The structured fields are the same for everyone
    in the room; ``text`` is the line as this recipient reads it."""

    kind: CombatEventKind
    combat_id: str | None = Field(description="the fight; null for a death outside any fight")
    round: int = Field(
        description="the round resolved; engagements and opening blows carry the last round "
        "resolved (0 before the first)"
    )
    actor: Combatant | None = Field(description="who acts; the killer for a death")
    target: Combatant | None = Field(description="who is acted on, falls or dies")
    damage: int | None = Field(default=None, description="hit only")
    weapon: str | None = Field(default=None, description="hit only: the weapon's name, or null")
    verb: str | None = Field(default=None, description="hit only: claw, punch, strike…")
    target_dp: int | None = Field(default=None, description="hit only: after the blow")
    target_max_dp: int | None = Field(default=None, description="hit only")
    direction: str | None = Field(default=None, description="flee only")
    xp: int | None = Field(default=None, description="NPC death only: what the killer gains")
    reason: str | None = Field(
        default=None,
        description="end: victory | fled | left | gone; flee: voluntary | terror",
    )
    text: str


class RoomMessageData(Payload):
    """Narration the game makes for a room (not chat): aid, respawn, catatonia…"""

    kind: str
    actor: Combatant | None = None
    target: Combatant | None = None
    text: str


class CharacterRollData(Payload):
    """``character_roll``: the roll you just made (your pending roll until ``create``)."""

    method: Literal["3d6", "4d6"]
    characteristics: Characteristics
    derived: Derived
    professions: list[str] = Field(
        description="ids of the professions this roll qualifies for, in the professions file's order"
    )


class CharacterListData(Payload):
    """``character_list``: the account's characters (after ``characters``, ``create``,
    ``chardelete``)."""

    characters: list[CharacterSummary]
    max: int = Field(description="how many characters an account may keep")


class TierChange(Payload):
    from_: Tier = Field(alias="from")
    to: Tier

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_serialization_defaults_required=True,
        populate_by_name=True,
        serialize_by_alias=True,
    )


class StatusUpdateData(Payload):
    """``status_update``: your vitals whole, what changed (net deltas) and why; at most one
    per command or tick, after its other events."""

    status: Status
    changes: dict[str, int] = Field(description="field -> net change, e.g. {'dp': -3}")
    tier_changed: TierChange | None = None
    reason: StatusReason = Field(description="the cause of the first change")
    text: str | None = Field(
        description="the texts of every cause, one per line; null when no cause has one"
    )


class HallucinationData(Payload):
    """Something only you perceive (a troubled mind); no other stream is told."""

    kind: HallucinationKind
    text: str


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
