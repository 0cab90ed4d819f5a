"""What a character is, as the protocol shows it: characteristics, status (DP, MP,
lucidity, tier, condition), what it carries and wears, and the summaries of an
account's characters."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import ConfigDict, Field

from mythos_contracts.events.payload import Payload


class ItemView(Payload):
    """One item in the world; its ``id`` never changes as it moves."""

    id: str
    prototype: str = Field(description="the id of its kind, e.g. 'brass-lantern'")
    name: str = Field(description="with its article, e.g. 'a brass lantern'")
    weight: float = Field(description="pounds")


Tier = Literal["lucid", "uneasy", "fractured", "deranged", "catatonic"]
"""How lucid a character is, from their lucidity (docs/protocol.md, "Characters")."""

Condition = Literal["healthy", "bleeding", "dead"]
"""``healthy`` (DP >= 1), ``bleeding`` (-10 < DP <= 0) or ``dead`` (DP <= -10)."""

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

STATUS_REASONS: tuple[str, ...] = get_args(StatusReason)
"""Every status reason, in the order of ``StatusReason`` (one list, derived)."""


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
