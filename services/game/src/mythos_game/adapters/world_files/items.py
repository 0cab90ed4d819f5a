"""``items/*.json``: item prototypes."""

from __future__ import annotations

from pathlib import Path

from pydantic import ConfigDict, Field

from mythos_game.adapters.world_files.common import (
    DataFile,
    Keyword,
    Loaded,
    Name,
    Strict,
    Text,
    Verb,
    WorldError,
    WorldId,
    load_entries,
)
from mythos_game.domain.items import (
    Armor,
    Consumable,
    ItemFlag,
    ItemKind,
    ItemPrototype,
    Slot,
    Weapon,
)

ITEMS_DIR = "items"
WEIGHT_MAX = 500
DAMAGE_MAX = 100
EFFECT_MAX = 200


class WeaponSpec(Strict):
    min_damage: int = Field(ge=0, le=DAMAGE_MAX)
    max_damage: int = Field(ge=0, le=DAMAGE_MAX)
    verb: Verb


class ArmorSpec(Strict):
    protection: int = Field(ge=0, le=DAMAGE_MAX, description="subtracted from each blow taken")


class ConsumableSpec(Strict):
    verb: Verb = Field(description="what 'use' says you do: drink, eat")
    dp: int = Field(default=0, ge=-EFFECT_MAX, le=EFFECT_MAX)
    mp: int = Field(default=0, ge=-EFFECT_MAX, le=EFFECT_MAX)
    lucidity: int = Field(default=0, ge=-EFFECT_MAX, le=EFFECT_MAX)
    message: Text


class ItemSpec(Strict):
    id: WorldId = Field(description="unique across items and NPCs")
    name: Name = Field(description="with its article: 'a brass lantern'")
    keywords: list[Keyword] = Field(default_factory=list)
    description: Text
    weight: float = Field(ge=0, le=WEIGHT_MAX, description="pounds")
    kind: ItemKind
    slot: Slot | None = Field(default=None, description="where it is worn or held")
    two_handed: bool = Field(default=False, description="weapons only: also fills off_hand")
    weapon: WeaponSpec | None = Field(default=None, description="weapons only")
    armor: ArmorSpec | None = Field(default=None, description="armor only")
    consumable: ConsumableSpec | None = Field(default=None, description="consumables only")
    flags: list[ItemFlag] = Field(default_factory=list)


class ItemFile(DataFile):
    """Item prototypes."""

    model_config = ConfigDict(title="Mythos item file")
    items: list[ItemSpec] = Field(min_length=1)


def load_items(directory: Path) -> dict[str, Loaded[ItemPrototype]]:
    """Every prototype of ``<directory>/items/`` by id (none when there is no such folder).
    Ids are unique among items here; the caller checks them against NPCs."""

    def checked(item: ItemSpec, name: str, field: str) -> ItemPrototype:
        _check(item, name, field)
        return _prototype(item)

    return load_entries(directory, ITEMS_DIR, ItemFile, lambda file: file.items, "item", checked)


def _check(item: ItemSpec, name: str, field: str) -> None:
    """The rules between fields that the schema alone does not express."""

    def refuse(part: str, message: str) -> None:
        raise WorldError(f"{name}: field '{field}.{part}': {message}")

    for part, kind in (("weapon", "weapon"), ("armor", "armor"), ("consumable", "consumable")):
        given = getattr(item, part) is not None
        if given and item.kind != kind:
            refuse(part, f"only a {kind} has '{part}' (this item is {item.kind})")
        if not given and item.kind == kind:
            refuse(part, f"a {kind} needs '{part}'")
    if item.kind == "weapon" and item.slot != "main_hand":
        refuse("slot", "a weapon is wielded: its slot is main_hand")
    if item.kind == "armor" and item.slot in (None, "main_hand"):
        refuse("slot", "armor is worn: give it a slot other than main_hand")
    if item.kind == "consumable" and item.slot is not None:
        refuse("slot", "a consumable is used, not worn: it has no slot")
    if item.two_handed and item.kind != "weapon":
        refuse("two_handed", "only a weapon is two-handed")
    if item.weapon is not None and item.weapon.min_damage > item.weapon.max_damage:
        refuse(
            "weapon.min_damage",
            f"min_damage {item.weapon.min_damage} is more than max_damage {item.weapon.max_damage}",
        )


def _prototype(item: ItemSpec) -> ItemPrototype:
    weapon = item.weapon
    consumable = item.consumable
    return ItemPrototype(
        id=item.id,
        name=item.name,
        keywords=tuple(item.keywords),
        description=item.description,
        weight=item.weight,
        kind=item.kind,
        slot=item.slot,
        two_handed=item.two_handed,
        weapon=None
        if weapon is None
        else Weapon(weapon.min_damage, weapon.max_damage, weapon.verb),
        armor=None if item.armor is None else Armor(item.armor.protection),
        consumable=None
        if consumable is None
        else Consumable(
            consumable.verb,
            consumable.dp,
            consumable.mp,
            consumable.lucidity,
            consumable.message,
        ),
        flags=frozenset(item.flags),
    )
