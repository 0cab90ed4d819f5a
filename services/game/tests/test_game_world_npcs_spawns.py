"""NPC definitions and the rooms' spawn rules: the loader refuses a broken copy of the
shipped files, naming the file and the field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from mythos_game.adapters.world_files import WorldError, load_world

SHIPPED = Path(__file__).resolve().parents[1] / "world"


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A copy of the shipped world to break."""
    shutil.copytree(SHIPPED, tmp_path / "world")
    return tmp_path / "world"


def _entry(world: Path, file: str, key: str, entry_id: str, fields: dict[str, Any]) -> None:
    """Sets fields of the entry ``entry_id`` of the list ``key``; None removes a field."""
    path = world / file
    data = json.loads(path.read_text(encoding="utf-8"))
    (entry,) = [e for e in data[key] if e["id"] == entry_id]
    for name, value in fields.items():
        if value is None:
            entry.pop(name, None)
        else:
            entry[name] = value
    path.write_text(json.dumps(data), encoding="utf-8")


def _npc(world: Path, file: str, npc_id: str, /, **fields: Any) -> None:
    _entry(world, f"npcs/{file}.json", "npcs", npc_id, fields)


def _room(world: Path, file: str, room_id: str, /, **fields: Any) -> None:
    _entry(world, file, "rooms", room_id, fields)


def _append_copy(world: Path, file: str, key: str, **changes: Any) -> None:
    """Appends a copy of the file's first entry, with changes."""
    path = world / file
    data = json.loads(path.read_text(encoding="utf-8"))
    data[key].append(dict(data[key][0], **changes))
    path.write_text(json.dumps(data), encoding="utf-8")


def _fails(world: Path, pattern: str) -> None:
    with pytest.raises(WorldError, match=pattern):
        load_world(world)


# --- NPCs -----------------------------------------------------------------------------


def test_peaceful_npcs_need_no_combat_numbers(world: Path) -> None:
    loaded = load_world(world)
    assert loaded.npcs["night-librarian"].dp is None
    assert loaded.npcs["night-librarian"].attack is None


def test_peaceful_npcs_cannot_be_given_combat_numbers(world: Path) -> None:
    _npc(world, "townsfolk", "desk-sergeant", dp=12)
    _fails(
        world,
        r"^npcs/townsfolk.json: field 'npcs\[desk-sergeant\].dp': a peaceful NPC cannot be fought",
    )


@pytest.mark.parametrize(
    ("file", "npc_id", "missing"),
    [
        ("horrors", "ghoul", "dp"),
        ("horrors", "deep-one", "attack"),
        ("animals", "stray-cat", "dp"),
    ],
)
def test_npcs_that_fight_need_dp_and_an_attack(
    world: Path, file: str, npc_id: str, missing: str
) -> None:
    _npc(world, file, npc_id, **{missing: None})
    _fails(
        world, rf"^npcs/{file}.json: field 'npcs\[{npc_id}\].{missing}': a \w+ NPC fights: it needs"
    )


def test_an_attacks_least_damage_is_at_most_its_most(world: Path) -> None:
    _npc(world, "cult", "cultist", attack={"verb": "stab", "min_damage": 7, "max_damage": 6})
    _fails(
        world, r"field 'npcs\[cultist\].attack.min_damage': min_damage 7 is more than max_damage 6"
    )


@pytest.mark.parametrize("chance", [1.5, -0.1])
def test_loot_chance_is_between_0_and_1(world: Path, chance: float) -> None:
    _npc(world, "cult", "cultist", loot=[{"item": "black-robe", "chance": chance}])
    _fails(world, r"^npcs/cult.json: field 'npcs\[cultist\].loot.0.chance'")


def test_loot_items_exist(world: Path) -> None:
    _npc(
        world,
        "horrors",
        "ghoul",
        loot=[{"item": "ghoul-tooth", "chance": 1}, {"item": "ghoul-ear", "chance": 1}],
    )
    _fails(
        world, r"^npcs/horrors.json: field 'npcs\[ghoul\].loot.1.item': unknown item 'ghoul-ear'"
    )


def test_only_hostile_npcs_have_an_aggro_delay(world: Path) -> None:
    _npc(world, "animals", "stray-cat", aggro_delay_ticks=3)
    _fails(world, r"field 'npcs\[stray-cat\].aggro_delay_ticks': only a hostile NPC engages")


def test_an_npc_flees_below_its_full_dp(world: Path) -> None:
    _npc(world, "cult", "cultist", flee_below_dp=12)
    _fails(world, r"field 'npcs\[cultist\].flee_below_dp': must be below its dp \(12\)")


def test_messages_use_known_placeholders(world: Path) -> None:
    _npc(world, "cult", "cultist", messages={"engage": "{Name} glares at {victim}!"})
    _fails(world, r"field 'npcs\[cultist\].messages.engage': unknown placeholder '\{victim\}'")
    _npc(world, "cult", "cultist", messages={"spawn": "A {Name appears."})
    _fails(world, r"field 'npcs\[cultist\].messages.spawn': malformed placeholder")


@pytest.mark.parametrize(
    ("fields", "pattern"),
    [
        ({"temperament": "grumpy"}, r"field 'npcs\[ghoul\].temperament'"),
        ({"dex": 0}, r"field 'npcs\[ghoul\].dex'"),
        ({"dp": 0}, r"field 'npcs\[ghoul\].dp'"),
        (
            {"lucidity": {"category": "mild", "archetype": "ghoul"}},
            r"field 'npcs\[ghoul\].lucidity.category'",
        ),
        (
            {"wander": {"every_ticks": 0, "chance": 0.5}},
            r"field 'npcs\[ghoul\].wander.every_ticks'",
        ),
        ({"wander": {"every_ticks": 5, "chance": 2}}, r"field 'npcs\[ghoul\].wander.chance'"),
        ({"messages": {"spawn": "  "}}, r"field 'npcs\[ghoul\].messages.spawn'"),
        ({"messages": {"taunt": "Grr."}}, r"field 'npcs\[ghoul\].messages.taunt'"),
    ],
)
def test_npc_fields_are_checked(world: Path, fields: dict[str, Any], pattern: str) -> None:
    _npc(world, "horrors", "ghoul", **fields)
    _fails(world, r"^npcs/horrors.json: " + pattern)


def test_npc_ids_are_unique(world: Path) -> None:
    _append_copy(world, "npcs/townsfolk.json", "npcs", id="ghoul")
    _fails(
        world,
        r"^npcs/townsfolk.json: field 'npcs.2.id': duplicate NPC id 'ghoul' \(first defined in npcs/horrors.json\)",
    )


# --- room additions -------------------------------------------------------------------

STREET = "river-district/river-street.json"


def test_spawn_items_exist(world: Path) -> None:
    _room(world, STREET, "fish-market", spawns=[{"item": "herring", "max": 1, "every_seconds": 60}])
    _fails(world, rf"^{STREET}: field 'rooms\[fish-market\].spawns.0.item': unknown item 'herring'")


def test_spawn_npcs_exist(world: Path) -> None:
    _room(world, STREET, "long-pier", spawns=[{"npc": "gull", "max": 1, "every_seconds": 60}])
    _fails(world, rf"^{STREET}: field 'rooms\[long-pier\].spawns.0.npc': unknown NPC 'gull'")


def test_a_spawn_names_an_item_or_an_npc_of_that_kind(world: Path) -> None:
    _room(
        world, STREET, "long-pier", spawns=[{"npc": "gutting-knife", "max": 1, "every_seconds": 60}]
    )
    _fails(world, r"spawns.0.npc': unknown NPC 'gutting-knife' \(that is an item\)")
    _room(world, STREET, "long-pier", spawns=[{"item": "deep-one", "max": 1, "every_seconds": 60}])
    _fails(world, r"spawns.0.item': unknown item 'deep-one' \(that is an NPC\)")


@pytest.mark.parametrize(
    ("rule", "pattern"),
    [
        (
            {"item": "crate-of-fish", "npc": "stray-cat", "max": 1, "every_seconds": 60},
            r"spawns.0': give exactly one of 'item' and 'npc'",
        ),
        ({"max": 1, "every_seconds": 60}, r"spawns.0': give exactly one of 'item' and 'npc'"),
        ({"item": "crate-of-fish", "max": 0, "every_seconds": 60}, r"spawns.0.max'"),
        ({"item": "crate-of-fish", "max": 51, "every_seconds": 60}, r"spawns.0.max'"),
        ({"item": "crate-of-fish", "max": 1, "every_seconds": 0}, r"spawns.0.every_seconds'"),
        ({"item": "crate-of-fish", "max": 1}, r"spawns.0.every_seconds': Field required"),
        (
            {"item": "crate-of-fish", "max": 1, "every_seconds": 5, "when": "night"},
            r"spawns.0.when'",
        ),
    ],
)
def test_spawn_rules_are_checked(world: Path, rule: dict[str, Any], pattern: str) -> None:
    _room(world, STREET, "fish-market", spawns=[rule])
    _fails(world, rf"^{STREET}: field 'rooms\[fish-market\]." + pattern)


def test_room_flags_and_lucidity_are_checked(world: Path) -> None:
    _room(world, STREET, "fish-market", flags=["safe", "haunted"])
    _fails(
        world,
        rf"^{STREET}: field 'rooms\[fish-market\].flags.1': unknown flag 'haunted' "
        r"\(use one of safe, sanctuary\)",
    )
    _room(world, STREET, "fish-market", flags=["safe"], lucidity_per_minute=-5.5)
    _fails(world, rf"^{STREET}: field 'rooms\[fish-market\].lucidity_per_minute'")


def test_spawn_rules_get_their_ids_in_file_order(world: Path) -> None:
    rules = load_world(world).room("fish-market").spawns
    assert [(r.id, r.kind, r.prototype, r.max, r.every_seconds) for r in rules] == [
        ("fish-market/0", "item", "crate-of-fish", 1, 900),
        ("fish-market/1", "item", "gutting-knife", 1, 900),
        ("fish-market/2", "npc", "stray-cat", 1, 120),
    ]


def test_item_and_npc_folders_hold_no_rooms(world: Path) -> None:
    # A room file put among the items is read as an item file, and refused as one.
    shutil.copy(world / STREET, world / "items" / "street.json")
    _fails(world, r"^items/street.json: field 'items': Field required")
