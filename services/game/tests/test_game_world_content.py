"""``world.json``'s special rooms, professions and items: the loader takes the shipped
files, and refuses a broken copy of them naming the file and the field (NPCs and
spawn rules: ``test_game_world_npcs_spawns.py``)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mythos_game.adapters.world_files import WorldError, load_world, room_files

SHIPPED = Path(__file__).resolve().parents[1] / "world"

Edit = Callable[[Any], None]


class WorldCopy:
    """A copy of the shipped world to break, one file at a time."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def edit(self, name: str, change: Edit) -> None:
        path = self.directory / name
        data = json.loads(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(json.dumps(data), encoding="utf-8")

    def entry(
        self, name: str, key: str, entry_id: str, change: Callable[[dict[str, Any]], None]
    ) -> None:
        """Changes the entry ``entry_id`` of the list ``key`` of file ``name``."""

        def apply(data: Any) -> None:
            (entry,) = [e for e in data[key] if e["id"] == entry_id]
            change(entry)

        self.edit(name, apply)

    # The file and the id are positional-only: "name" and "id" are fields too.
    def item(self, file: str, item_id: str, /, **fields: Any) -> None:
        self.entry(f"items/{file}.json", "items", item_id, lambda e: _update(e, fields))

    def npc(self, file: str, npc_id: str, /, **fields: Any) -> None:
        self.entry(f"npcs/{file}.json", "npcs", npc_id, lambda e: _update(e, fields))

    def profession(self, profession_id: str, /, **fields: Any) -> None:
        self.entry("professions.json", "professions", profession_id, lambda e: _update(e, fields))

    def room(self, file: str, room_id: str, /, **fields: Any) -> None:
        self.entry(file, "rooms", room_id, lambda e: _update(e, fields))

    def fails(self, pattern: str) -> None:
        with pytest.raises(WorldError, match=pattern):
            load_world(self.directory)


def _update(entry: dict[str, Any], fields: dict[str, Any]) -> None:
    """Sets the fields; a value of None removes the field."""
    for key, value in fields.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value


@pytest.fixture
def world(tmp_path: Path) -> WorldCopy:
    shutil.copytree(SHIPPED, tmp_path / "world")
    return WorldCopy(tmp_path / "world")


def test_the_copy_loads_as_shipped(world: WorldCopy) -> None:
    loaded = load_world(world.directory)
    assert len(loaded.items) == 11 and len(loaded.npcs) == 7 and len(loaded.professions) == 7


# --- world.json -----------------------------------------------------------------------


def test_the_respawn_and_asylum_rooms_must_exist(world: WorldCopy) -> None:
    manifest = {"start_room": "independence-square", "respawn_room": "nowhere"}
    (world.directory / "world.json").write_text(json.dumps(manifest))
    world.fails(r"^world.json: field 'respawn_room': unknown room 'nowhere'")
    manifest = {"start_room": "independence-square", "asylum_room": "Bad Id"}
    (world.directory / "world.json").write_text(json.dumps(manifest))
    world.fails(r"^world.json: field 'asylum_room'")


def test_without_respawn_and_asylum_rooms_the_start_room_serves(world: WorldCopy) -> None:
    (world.directory / "world.json").write_text(json.dumps({"start_room": "independence-square"}))
    loaded = load_world(world.directory)
    assert loaded.respawn_room == loaded.asylum_room == "independence-square"


# --- professions.json -----------------------------------------------------------------


def test_a_world_without_professions_items_or_npcs_has_none(world: WorldCopy) -> None:
    (world.directory / "professions.json").unlink()
    shutil.rmtree(world.directory / "items")
    shutil.rmtree(world.directory / "npcs")
    for path in room_files(world.directory):
        world.edit(
            path.relative_to(world.directory).as_posix(),
            lambda data: [room.pop("spawns", None) for room in data["rooms"]],
        )
    loaded = load_world(world.directory)
    assert (loaded.professions, loaded.items, loaded.npcs) == ({}, {}, {})
    assert "fish-market" in loaded.rooms


def test_profession_ids_follow_the_id_pattern(world: WorldCopy) -> None:
    world.profession("doctor", id="Doctor Who")
    world.fails(r"^professions.json: field 'professions.4.id': String should match pattern")


def test_profession_stats_are_the_nine_characteristics(world: WorldCopy) -> None:
    world.profession("professor", requires={"int": 60, "wisdom": 65})
    world.fails(
        r"^professions.json: field 'professions\[professor\].requires.wisdom': "
        r"unknown characteristic 'wisdom' \(use one of str, con, siz, dex, cha, int, pow, edu, "
        r"luck\)"
    )


def test_profession_changes_name_characteristics_too(world: WorldCopy) -> None:
    world.profession("doctor", changes={"EDU": 10})
    world.fails(r"field 'professions\[doctor\].changes.EDU': unknown characteristic 'EDU'")


def test_profession_requirements_are_between_1_and_99(world: WorldCopy) -> None:
    world.profession("professor", requires={"int": 100})
    world.fails(r"field 'professions\[professor\].requires.int': .*less than or equal to 99")


def test_profession_kit_items_exist(world: WorldCopy) -> None:
    world.profession("journalist", kit=["arkham-advertiser", "press-card"])
    world.fails(
        r"^professions.json: field 'professions\[journalist\].kit.1': unknown item 'press-card'"
    )


def test_a_kit_cannot_hold_an_npc(world: WorldCopy) -> None:
    world.profession("occultist", kit=["stray-cat"])
    world.fails(
        r"field 'professions\[occultist\].kit.0': unknown item 'stray-cat' \(that is an NPC\)"
    )


def test_the_drifter_must_exist(world: WorldCopy) -> None:
    world.edit(
        "professions.json",
        lambda data: data.update(
            professions=[p for p in data["professions"] if p["id"] != "drifter"]
        ),
    )
    world.fails(r"^professions.json: field 'professions': 'drifter' is missing")


def test_the_drifter_has_no_requirements(world: WorldCopy) -> None:
    world.profession("drifter", requires={"luck": 20})
    world.fails(
        r"^professions.json: field 'professions\[drifter\].requires': 'drifter' must have no"
    )


def test_the_drifter_has_no_changes(world: WorldCopy) -> None:
    world.profession("drifter", changes={"luck": 5})
    world.fails(
        r"^professions.json: field 'professions\[drifter\].changes': 'drifter' must have no"
    )


def test_profession_ids_are_unique(world: WorldCopy) -> None:
    world.edit("professions.json", lambda data: data["professions"].append(data["professions"][1]))
    world.fails(r"^professions.json: field 'professions.7.id': duplicate profession id 'professor'")


# --- items ----------------------------------------------------------------------------


def test_only_a_weapon_has_weapon_numbers(world: WorldCopy) -> None:
    world.item(
        "supplies", "brass-lantern", weapon={"min_damage": 1, "max_damage": 2, "verb": "bash"}
    )
    world.fails(
        r"^items/supplies.json: field 'items\[brass-lantern\].weapon': only a weapon has "
        r"'weapon' \(this item is gear\)"
    )


def test_a_weapon_needs_its_numbers(world: WorldCopy) -> None:
    world.item("weapons", "fire-axe", weapon=None)
    world.fails(r"^items/weapons.json: field 'items\[fire-axe\].weapon': a weapon needs 'weapon'")


def test_a_weapon_is_wielded_in_the_main_hand(world: WorldCopy) -> None:
    world.item("weapons", "gutting-knife", slot="off_hand")
    world.fails(r"field 'items\[gutting-knife\].slot': a weapon is wielded: its slot is main_hand")
    world.item("weapons", "gutting-knife", slot=None)
    world.fails(r"field 'items\[gutting-knife\].slot': a weapon is wielded")


def test_a_weapons_least_damage_is_at_most_its_most(world: WorldCopy) -> None:
    world.item("weapons", "walking-stick", weapon={"min_damage": 4, "max_damage": 3, "verb": "hit"})
    world.fails(
        r"field 'items\[walking-stick\].weapon.min_damage': min_damage 4 is more than max_damage 3"
    )


def test_only_a_weapon_is_two_handed(world: WorldCopy) -> None:
    world.item("clothing", "oilskin-coat", two_handed=True)
    world.fails(r"field 'items\[oilskin-coat\].two_handed': only a weapon is two-handed")


def test_armor_needs_its_protection_and_only_armor_has_it(world: WorldCopy) -> None:
    world.item("clothing", "bowler-hat", armor=None)
    world.fails(r"^items/clothing.json: field 'items\[bowler-hat\].armor': a armor needs 'armor'")
    world.item("clothing", "bowler-hat", armor={"protection": 0}, kind="junk")
    world.fails(
        r"field 'items\[bowler-hat\].armor': only a armor has 'armor' \(this item is junk\)"
    )


def test_armor_is_worn_but_not_in_the_main_hand(world: WorldCopy) -> None:
    world.item("clothing", "black-robe", slot="main_hand")
    world.fails(
        r"field 'items\[black-robe\].slot': armor is worn: give it a slot other than main_hand"
    )
    world.item("clothing", "black-robe", slot=None)
    world.fails(r"field 'items\[black-robe\].slot': armor is worn")


def test_armor_may_be_held_in_the_off_hand(world: WorldCopy) -> None:
    world.item("clothing", "black-robe", slot="off_hand")
    assert load_world(world.directory).items["black-robe"].slot == "off_hand"


def test_a_consumable_has_its_effect_and_no_slot(world: WorldCopy) -> None:
    world.item("supplies", "nerve-tonic", slot="neck")
    world.fails(
        r"field 'items\[nerve-tonic\].slot': a consumable is used, not worn: it has no slot"
    )
    world.item("supplies", "nerve-tonic", slot=None, consumable=None)
    world.fails(r"field 'items\[nerve-tonic\].consumable': a consumable needs 'consumable'")


def test_only_a_consumable_has_an_effect(world: WorldCopy) -> None:
    effect = {"verb": "eat", "message": "Salty."}
    world.item("supplies", "crate-of-fish", consumable=effect)
    world.fails(r"field 'items\[crate-of-fish\].consumable': only a consumable has 'consumable'")


@pytest.mark.parametrize(
    ("fields", "pattern"),
    [
        ({"weight": 501}, r"field 'items\[ghoul-tooth\].weight': .*less than or equal to 500"),
        ({"weight": -1}, r"field 'items\[ghoul-tooth\].weight'"),
        ({"kind": "relic"}, r"field 'items\[ghoul-tooth\].kind': Input should be 'gear'"),
        ({"slot": "tail"}, r"field 'items\[ghoul-tooth\].slot'"),
        (
            {"flags": ["cursed"]},
            r"field 'items\[ghoul-tooth\].flags.0': unknown flag 'cursed' "
            r"\(use one of no_drop, no_give\)",
        ),
        ({"keywords": ["Tooth"]}, r"field 'items\[ghoul-tooth\].keywords.0'"),
        ({"name": ""}, r"field 'items\[ghoul-tooth\].name'"),
        ({"name": "x" * 81}, r"field 'items\[ghoul-tooth\].name'"),
        ({"description": " "}, r"field 'items\[ghoul-tooth\].description'"),
        ({"colour": "yellow"}, r"field 'items\[ghoul-tooth\].colour': Extra inputs"),
    ],
)
def test_item_fields_are_checked(world: WorldCopy, fields: dict[str, Any], pattern: str) -> None:
    world.item("remains", "ghoul-tooth", **fields)
    world.fails(r"^items/remains.json: " + pattern)


def test_item_ids_are_unique_across_files(world: WorldCopy) -> None:
    world.edit(
        "items/remains.json",
        lambda data: data["items"].append(dict(data["items"][0], id="fire-axe")),
    )
    world.fails(
        r"^items/weapons.json: field 'items.2.id': duplicate item id 'fire-axe' "
        r"\(first defined in items/remains.json\)"
    )


def test_item_and_npc_ids_are_unique_together(world: WorldCopy) -> None:
    world.npc("animals", "stray-cat", id="ghoul-tooth")
    world.room("river-district/river-street.json", "fish-market", spawns=[])
    world.fails(
        r"^npcs/animals.json: field 'npcs\[ghoul-tooth\].id': id 'ghoul-tooth' is already an "
        r"item's \(in items/remains.json\)"
    )
