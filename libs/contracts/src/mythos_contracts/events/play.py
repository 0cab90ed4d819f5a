"""The payloads of play: items moving, NPCs coming and going, fights, narration,
character rolls and lists, status updates and hallucinations."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from mythos_contracts.events.character import (
    Characteristics,
    CharacterSummary,
    Derived,
    InventoryView,
    ItemView,
    Slot,
    Status,
    StatusReason,
    Tier,
)
from mythos_contracts.events.payload import Payload

HallucinationKind = Literal["whisper", "shadow", "overlay"]


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
