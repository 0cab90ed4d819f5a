"""Items as pure rules: prototypes, instances, and naming them in commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.items import Item, Target, parse_target, select, slot_text

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")


def _item(prototype: str, n: int = 1) -> Item:
    return Item(f"it-{prototype}-{n}", WORLD.items[prototype])


CARRIED = [
    _item("brass-lantern"),
    _item("arkham-advertiser", 1),
    _item("gutting-knife"),
    _item("arkham-advertiser", 2),
    _item("walking-stick"),
    _item("fire-axe"),
]


def _names(text: str, things: list[Item] = CARRIED) -> list[str]:
    target = parse_target(text)
    assert target is not None, text
    return [item.id for item in select(things, target)]


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("lantern", Target("lantern")),
        ("LANTERN", Target("lantern")),
        ("  lantern ", Target("lantern")),
        ("2.lantern", Target("lantern", 2)),
        ("all", Target(None, every=True)),
        ("all.tonic", Target("tonic", every=True)),
        ("ALL.Tonic", Target("tonic", every=True)),
        ("mr.pell", Target("mr.pell")),
    ],
)
def test_parse_target(text: str, target: Target) -> None:
    assert parse_target(text) == target


@pytest.mark.parametrize("text", ["", "   ", "0.lantern", "2.", "all.", "brass lantern"])
def test_parse_target_refuses_what_names_nothing(text: str) -> None:
    assert parse_target(text) is None


def test_a_word_matches_the_start_of_a_word_of_the_name() -> None:
    assert _names("lan") == ["it-brass-lantern-1"]
    assert _names("Brass") == ["it-brass-lantern-1"]
    assert _names("antern") == []


def test_a_word_matches_the_start_of_a_keyword() -> None:
    assert _names("cane") == ["it-walking-stick-1"]
    assert _names("news") == ["it-arkham-advertiser-1"]


def test_hyphenated_name_words_count_separately() -> None:
    assert _names("gut") == ["it-gutting-knife-1"]
    assert _names("fish") == ["it-gutting-knife-1"]


def test_the_first_match_in_order_unless_a_number_says_otherwise() -> None:
    assert _names("advert") == ["it-arkham-advertiser-1"]
    assert _names("1.advert") == ["it-arkham-advertiser-1"]
    assert _names("2.advert") == ["it-arkham-advertiser-2"]
    assert _names("3.advert") == []
    # "a" starts "a brass lantern", "a copy ...", "arkham", "axe": the second of them.
    assert _names("2.a") == ["it-arkham-advertiser-1"]


def test_all_takes_every_match_in_order() -> None:
    assert _names("all") == [item.id for item in CARRIED]
    assert _names("all.advert") == ["it-arkham-advertiser-1", "it-arkham-advertiser-2"]
    assert _names("all.tonic") == []
    assert _names("all", []) == []


def test_npcs_are_named_the_same_way() -> None:
    npcs = list(WORLD.npcs.values())
    assert [n.id for n in select(npcs, Target("pell"))] == ["night-librarian"]
    assert [n.id for n in select(npcs, Target("dool"))] == ["desk-sergeant"]
    assert [n.id for n in select(npcs, Target("thing"))] == ["angle-dweller"]


def test_an_instance_reads_its_prototype() -> None:
    lantern = Item("it-1", WORLD.items["brass-lantern"], origin="ship-chandlery/0")
    assert (lantern.name, lantern.weight, lantern.origin) == (
        "a brass lantern",
        3,
        "ship-chandlery/0",
    )
    assert lantern.keywords == ("lantern", "lamp", "brass")


def test_slots_a_prototype_fills() -> None:
    assert WORLD.items["fire-axe"].slots == ("main_hand", "off_hand")
    assert WORLD.items["walking-stick"].slots == ("main_hand",)
    assert WORLD.items["brass-lantern"].slots == ("off_hand",)
    assert WORLD.items["nerve-tonic"].slots == ()
    assert slot_text("main_hand") == "main hand"
    assert slot_text("off_hand") == "off hand"
    assert slot_text("body") == "body"
