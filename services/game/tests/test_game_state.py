"""Where items are: the game state's one-place-per-item bookkeeping."""

from __future__ import annotations

from pathlib import Path

from mythos_game.adapters.world_files import load_world
from mythos_game.domain.game_state import GONE, GameState, Place
from mythos_game.domain.items import Item

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")


def _item(prototype: str, n: int = 1, origin: str | None = None) -> Item:
    return Item(f"it-{prototype}-{n}", WORLD.items[prototype], origin=origin)


def test_an_item_is_in_one_place_and_each_move_is_noted_once() -> None:
    state = GameState()
    lantern = _item("brass-lantern", origin="shop/0")
    state.put_on_floor("shop", lantern)
    carried = state.give_to("ada", lantern)
    assert carried.origin is None
    assert state.floor("shop") == [] and state.carried_by("ada") == [carried]
    assert state.place_of(lantern.id) == Place("carried", "ada")
    assert state.take_changed() == [(carried, Place("carried", "ada"))]
    assert state.take_changed() == []


def test_a_two_handed_weapon_fills_both_hands_and_leaves_both() -> None:
    state = GameState()
    axe = _item("fire-axe")
    state.wear("ada", axe.prototype.slots, axe)
    assert state.worn_by("ada") == {"main_hand": axe, "off_hand": axe}
    assert state.worn_items("ada") == [axe]
    assert state.place_of(axe.id) == Place("worn", "ada", "main_hand")
    state.give_to("ada", axe)
    assert state.worn_by("ada") == {} and state.carried_by("ada") == [axe]


def test_a_destroyed_item_is_saved_as_gone_and_forgotten() -> None:
    state = GameState()
    tonic = _item("nerve-tonic")
    state.give_to("ada", tonic, loaded=True)
    assert state.take_changed() == []  # loaded: already stored so
    state.destroy(tonic)
    assert state.carried_by("ada") == []
    assert state.item(tonic.id) is None and state.place_of(tonic.id) == GONE
    assert state.take_changed() == [(tonic, GONE)]


def test_forgetting_a_character_drops_their_items_from_memory_only() -> None:
    state = GameState()
    coat, stick = _item("oilskin-coat"), _item("walking-stick")
    state.give_to("ada", coat, loaded=True)
    state.wear("ada", ("main_hand",), stick, loaded=True)
    assert sorted(i.id for i in state.forget_character("ada")) == sorted([coat.id, stick.id])
    assert state.carried == {} and state.worn == {} and state.take_changed() == []
    assert state.item(coat.id) is None


def test_a_move_noted_before_its_owner_left_is_still_saved() -> None:
    state = GameState()
    paper = _item("arkham-advertiser")
    state.give_to("ada", paper)
    state.forget_character("ada")
    assert state.take_changed() == [(paper, Place("carried", "ada"))]
