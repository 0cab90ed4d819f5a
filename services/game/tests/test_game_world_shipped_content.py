"""The shipped professions, items, NPCs and room additions are exactly those the
gameplay design lists (its section 12): black-box tests rely on their ids, names,
numbers and messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.items import Armor, Consumable, Weapon
from mythos_game.domain.npcs import Attack, Horror, Loot, Wander
from mythos_game.domain.world import World

WORLD_DIR = Path(__file__).resolve().parents[1] / "world"


@pytest.fixture(scope="module")
def world() -> World:
    return load_world(WORLD_DIR)


def test_the_special_rooms(world: World) -> None:
    assert world.start_room == "independence-square"
    assert world.respawn_room == "sanitarium-lobby"
    assert world.asylum_room == "sanitarium-ward"


def test_the_professions_in_order(world: World) -> None:
    table = [
        (p.id, p.name, dict(p.requires), dict(p.changes), p.kit) for p in world.professions.values()
    ]
    assert table == [
        ("drifter", "Drifter", {}, {}, ()),
        ("professor", "Professor", {"int": 60, "edu": 65}, {"edu": 5, "int": 5, "dex": -5}, ()),
        ("journalist", "Journalist", {"edu": 50}, {"cha": 5, "edu": 5, "pow": -5},
         ("arkham-advertiser",)),
        ("private-eye", "Private Investigator", {"dex": 50}, {"dex": 5, "int": 5, "cha": -5},
         ("walking-stick",)),
        ("doctor", "Doctor of Medicine", {"edu": 70}, {"edu": 10, "con": -5}, ()),
        ("dockworker", "Dockworker", {"str": 60}, {"str": 10, "edu": -10}, ("gutting-knife",)),
        ("occultist", "Occultist", {"pow": 60}, {"pow": 10, "cha": -5}, ("nerve-tonic",)),
    ]  # fmt: skip
    for profession in world.professions.values():
        assert profession.description.strip(), profession.id


def test_the_items(world: World) -> None:
    table = {
        i.id: (i.name, i.kind, i.slot, i.two_handed, i.weight, i.weapon, i.armor)
        for i in world.items.values()
    }
    assert table == {
        "arkham-advertiser": ("a copy of the Arkham Advertiser", "junk", None, False, 0.5, None, None),
        "brass-lantern": ("a brass lantern", "gear", "off_hand", False, 3, None, None),
        "walking-stick": ("a blackthorn walking stick", "weapon", "main_hand", False, 2,
                          Weapon(3, 3, "strike"), None),
        "gutting-knife": ("a fish-gutting knife", "weapon", "main_hand", False, 0.5,
                          Weapon(1, 4, "slash"), None),
        "fire-axe": ("a fire axe", "weapon", "main_hand", True, 6, Weapon(4, 8, "hew"), None),
        "oilskin-coat": ("an oilskin coat", "armor", "body", False, 5, None, Armor(1)),
        "bowler-hat": ("a bowler hat", "armor", "head", False, 1, None, Armor(0)),
        "nerve-tonic": ("a bottle of nerve tonic", "consumable", None, False, 0.5, None, None),
        "crate-of-fish": ("a crate of salted fish", "junk", None, False, 40, None, None),
        "ghoul-tooth": ("a yellowed ghoul tooth", "junk", None, False, 0.1, None, None),
        "black-robe": ("a threadbare black robe", "armor", "body", False, 2, None, Armor(0)),
    }  # fmt: skip
    assert world.items["nerve-tonic"].consumable == Consumable(
        "drink", 0, 0, 3, "A bitter warmth spreads through your chest."
    )
    assert world.items["walking-stick"].description == (
        "Knotted, heavy-headed, polished by somebody's palm for forty years."
    )
    # Heavier than the standard investigator can carry (35 lb).
    assert world.items["crate-of-fish"].weight > 35
    for item in world.items.values():
        assert item.description.strip() and item.keywords, item.id
        assert item.flags == frozenset(), item.id


def test_the_npcs(world: World) -> None:
    table = {
        n.id: (
            n.name,
            n.temperament,
            n.dp,
            n.dex if n.fights else None,
            n.attack,
            n.xp,
            n.lucidity,
            n.respawn_seconds,
        )
        for n in world.npcs.values()
    }
    assert table == {
        "stray-cat": ("a stray cat", "passive", 3, 80, Attack("scratch", 1, 1), 1, None, 120),
        "ghoul": ("a ghoul", "hostile", 13, 65, Attack("claw", 3, 3), 10,
                  Horror("disturbing", "ghoul"), 300),
        "cultist": ("a hooded cultist", "hostile", 12, 55, Attack("stab", 1, 6), 8, None, 300),
        "deep-one": ("a deep one", "hostile", 18, 50, Attack("rake", 2, 5), 15,
                     Horror("horrific", "deep-one"), 600),
        "angle-dweller": ("a thing folded into the corners", "hostile", 30, 90,
                          Attack("rend", 4, 6), 40, Horror("cosmic", "angle-dweller"), 1800),
        "night-librarian": ("the night librarian", "peaceful", None, None, None, 0, None, None),
        "desk-sergeant": ("the desk sergeant", "peaceful", None, None, None, 0, None, None),
    }  # fmt: skip
    npcs = world.npcs
    assert npcs["stray-cat"].wander == Wander(20, 0.5)
    assert [n.id for n in npcs.values() if n.wander is not None] == ["stray-cat"]
    assert npcs["ghoul"].loot == (Loot("ghoul-tooth", 1.0),)
    assert npcs["cultist"].loot == (Loot("black-robe", 0.5),)
    assert npcs["cultist"].flee_below_dp == 4
    assert [n.id for n in npcs.values() if n.flee_below_dp] == ["cultist"]
    assert {"librarian", "pell"} <= set(npcs["night-librarian"].keywords)
    assert "Mr. Asa Pell" in npcs["night-librarian"].description
    assert {"sergeant", "dooley"} <= set(npcs["desk-sergeant"].keywords)


def test_the_npc_messages(world: World) -> None:
    said = {
        n.id: (n.say(n.spawn_message), n.say(n.engage_message, "Ada"), n.say(n.death_message))
        for n in world.npcs.values()
        if n.fights
    }
    assert said == {
        "stray-cat": (
            "A stray cat slinks out from under a fish stall.",
            "A stray cat attacks Ada!",
            "A stray cat dies.",
        ),
        "ghoul": (
            "A ghoul claws its way up out of the soft earth.",
            "A ghoul lunges at Ada!",
            "The ghoul folds into the dirt and is still.",
        ),
        "cultist": (
            "A hooded cultist steps out of the shadows.",
            "A hooded cultist comes at Ada with a knife!",
            "The cultist crumples, muttering.",
        ),
        "deep-one": (
            "Something wet hauls itself up onto the planks.",
            "A deep one lurches at Ada!",
            "The deep one slides back into the black water.",
        ),
        "angle-dweller": (
            "One corner of the room becomes wrong.",
            "A thing folded into the corners unfolds toward Ada!",
            "The corners of the room are only corners again.",
        ),
    }


def test_the_room_additions(world: World) -> None:
    additions = {
        room.id: (
            sorted(room.flags),
            room.lucidity_per_minute,
            [(r.kind, r.prototype, r.max, r.every_seconds) for r in room.spawns],
        )
        for room in world.rooms.values()
        if room.flags or room.lucidity_per_minute or room.spawns
    }
    assert additions == {
        "independence-square": ([], 0, [("item", "arkham-advertiser", 1, 600)]),
        "curiosity-shop": ([], 0, [("item", "walking-stick", 1, 900),
                                   ("item", "bowler-hat", 1, 900),
                                   ("item", "nerve-tonic", 2, 600)]),
        "ship-chandlery": ([], 0, [("item", "brass-lantern", 1, 900),
                                   ("item", "oilskin-coat", 1, 900)]),
        "fish-market": ([], 0, [("item", "crate-of-fish", 1, 900),
                                ("item", "gutting-knife", 1, 900),
                                ("npc", "stray-cat", 1, 120)]),
        "police-station": ([], 0, [("item", "fire-axe", 1, 1800),
                                   ("npc", "desk-sergeant", 1, 300)]),
        "orne-library": ([], 0, [("npc", "night-librarian", 1, 300)]),
        "burying-ground": ([], -1, [("npc", "ghoul", 1, 300)]),
        "meeting-house": ([], -0.5, [("npc", "cultist", 1, 300)]),
        "long-pier": ([], -0.5, [("npc", "deep-one", 1, 600)]),
        "witch-house-attic": ([], -2, [("npc", "angle-dweller", 1, 1800)]),
        "the-angle": ([], -3, []),
        "hollowell-crypt": ([], -1, []),
        "sealed-wing": ([], -2, []),
        "under-the-pier": ([], -1, []),
        "university-chapel": (["safe", "sanctuary"], 1, []),
        "lindenwood-common": ([], 0.5, []),
        "sanitarium-lobby": (["safe"], 0, []),
        "sanitarium-ward": (["safe"], 1, []),
    }  # fmt: skip
    assert world.room("university-chapel").safe and world.room("university-chapel").sanctuary
    assert world.room("sanitarium-lobby").safe and not world.room("sanitarium-lobby").sanctuary


def test_no_npc_spawns_in_or_wanders_into_the_rooms_of_todays_tests(world: World) -> None:
    quiet = {"independence-square", "town-hall-steps", "miskatonic-quad"}
    quiet_subzones = {world.room(r).subzone_id for r in quiet}
    for room in world.rooms.values():
        for rule in room.spawns:
            if rule.kind != "npc":
                continue
            assert room.id not in quiet, rule.id
            # A wanderer never leaves the sub-zone of its spawn room.
            if world.npcs[rule.prototype].wander is not None:
                assert room.subzone_id not in quiet_subzones, rule.id
    assert world.room("fish-market").subzone == "River Street"
