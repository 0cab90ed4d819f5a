"""``ZoneState``: what of one zone a game holds in memory and hands on when the zone
moves to another shard (docs/design/shards.md §8.2, §11).

A game runs the world only in the zones it owns. When a zone moves, the shard giving it
up takes the zone's state out of its memory (saving nothing: the items stay stored as
they are) and the shard taking it puts that state in: the items lying on the zone's
floors, with the versions they are stored at (the receiver's next save of each goes
above them), the two clocks a game keeps only in memory, the spawn rules' next times and
how long each item has lain on a floor, and the zone's NPCs as they are (same ids, their
wounds; tick counts as ages, since each game counts its own ticks), so the players in
the zone see the same NPCs and no one appearing. Fights are not carried: a fight in the
zone ends when it moves.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mythos_contracts.persistence import ItemRecord


class NpcRecord(BaseModel):
    """One NPC of a moving zone, as its new owner rebuilds it."""

    model_config = ConfigDict(extra="forbid")

    npc_id: str = Field(min_length=1, max_length=64)
    prototype_id: str = Field(min_length=1, max_length=64, description="its NPC definition")
    room_id: str = Field(min_length=1, max_length=128)
    dp: int = Field(ge=0, description="its damage points now")
    origin: str | None = Field(default=None, description="the spawn rule that made it")
    home_subzone: str = Field(description="the sub-zone it never wanders out of")
    moved_ticks_ago: int = Field(ge=0, description="ticks since it appeared or last moved")
    regen_ticks_ago: int = Field(ge=0, description="ticks since it last regained a DP")
    seen_ticks_ago: dict[str, int] = Field(
        default_factory=dict,
        description="character id -> ticks since this (hostile) NPC first saw them",
    )
    shocked: list[str] = Field(
        default_factory=list, description="character ids it already cost lucidity"
    )


class ZoneState(BaseModel):
    """One zone's floor items and clocks, as the shard giving it up held them."""

    model_config = ConfigDict(extra="forbid")

    zone: str = Field(min_length=1, max_length=64, description="the zone's id")
    items: list[ItemRecord] = Field(
        default_factory=list,
        description="the items lying on the zone's floors, in each floor's order, with "
        "their stored versions",
    )
    spawn_due: dict[str, float] = Field(
        default_factory=dict,
        description="the zone's spawn rule id ({room_id}/{index}) -> when (epoch seconds) "
        "its next item or NPC appears; a rule at its max has no entry",
    )
    floor_since: dict[str, float] = Field(
        default_factory=dict,
        description="item id -> since when (epoch seconds) it has lain on a floor with no "
        "spawn-rule origin (the floor decay's clock); only items of ``items``",
    )

    npcs: list[NpcRecord] = Field(
        default_factory=list, description="the zone's NPCs, in the order of arrival"
    )

    @model_validator(mode="after")
    def _items_lie_on_floors(self) -> ZoneState:
        if any(item.location_kind != "room" for item in self.items):
            raise ValueError("a zone's items lie on its floors (location_kind room)")
        ids = [item.item_id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("an item is listed twice")
        if not set(self.floor_since) <= set(ids):
            raise ValueError("floor_since names an item the zone does not hold")
        return self
