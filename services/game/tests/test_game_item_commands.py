"""The item commands as pure rules (§4): inventory, get, drop, give, equip, unequip,
use, look, purge; their texts, their events and where the items end up."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from mythos_contracts.events import InventoryUpdateData, ItemEventData, StatusUpdateData
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.commands.base import Context, Outcome
from mythos_game.domain.commands.registry import COMMANDS, parse
from mythos_game.domain.game_state import GameState, Place
from mythos_game.domain.items import Item
from mythos_game.domain.links import ADMIN_ROLE, PLAYER_ROLE
from mythos_game.domain.npc_life import spawn_npc
from mythos_game.domain.outgoing import ToPlayer, ToRoom
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import Rules
from mythos_game.domain.status import StatusLedger

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
START = WORLD.start_room


class Table:
    def __init__(self, **rules: int) -> None:
        self.roster = Roster()
        self.ada = Player("id-ada", "Ada", START, 1)
        self.bob = Player("id-bob", "Bob", START, 1)
        self.cyd = Player("id-cyd", "Cyd", START, 1)
        for p in (self.ada, self.bob, self.cyd):
            self.roster.add(p)
        counter = itertools.count(1)
        self.state = GameState(new_id=lambda: f"it-{next(counter)}")
        self.rules = Rules(**rules)

    def item(self, prototype: str) -> Item:
        return Item(self.state.new_id(), WORLD.items[prototype])

    def floor(self, *prototypes: str) -> list[Item]:
        items = [self.item(p) for p in prototypes]
        for item in items:
            self.state.put_on_floor(START, item, loaded=True)
        return items

    def carry(self, who: Player, *prototypes: str) -> list[Item]:
        items = [self.item(p) for p in prototypes]
        for item in items:
            self.state.give_to(who.id, item, loaded=True)
        return items

    def run(
        self,
        actor: Player,
        command: str,
        *args: str,
        admin: bool = False,
        status: StatusLedger | None = None,
        rng: random.Random | None = None,
    ) -> Outcome:
        parsed = parse(command, list(args))
        assert parsed is not None, command
        ctx = Context(
            WORLD,
            self.roster,
            actor,
            COMMANDS,
            rules=self.rules,
            role=ADMIN_ROLE if admin else PLAYER_ROLE,
            state=self.state,
            status=status if status is not None else StatusLedger(),
            rng=rng or random.Random(1),
        )
        return parsed.spec.run(ctx, parsed.args)

    def names(self, who: Player) -> list[str]:
        return [i.prototype.id for i in self.state.carried_by(who.id)]


@pytest.fixture
def t() -> Table:
    return Table()


def item_events(outcome: Outcome) -> list[tuple[object, str, str]]:
    """(audience, action, text) of each item_event."""
    return [
        (e.audience, e.data.action, e.data.text)
        for e in outcome.events
        if isinstance(e.data, ItemEventData)
    ]


def inventory_of(outcome: Outcome, who: Player) -> InventoryUpdateData:
    (update,) = [
        e.data
        for e in outcome.events
        if isinstance(e.data, InventoryUpdateData) and e.audience == ToPlayer(who.id)
    ]
    return update


OTHERS = ToRoom(START, frozenset({"id-ada"}))


def test_inventory_empty(t: Table) -> None:
    out = t.run(t.ada, "i")
    assert out.success
    assert (
        out.text == "You carry nothing (0 of 20 things, 0 of 35 lb).\nYou wear and wield nothing."
    )
    inv = inventory_of(out, t.ada).inventory
    assert (inv.things, inv.max_things, inv.weight, inv.max_weight) == (0, 20, 0, 35)


def test_inventory_lists_carried_and_worn(t: Table) -> None:
    t.carry(t.ada, "brass-lantern", "arkham-advertiser", "walking-stick", "nerve-tonic")
    t.run(t.ada, "wield", "stick")
    t.run(t.ada, "drink", "tonic")
    out = t.run(t.ada, "inventory")
    assert out.text == (
        "You carry 2 of 20 things, 5.5 of 35 lb:\n"
        "  a brass lantern\n"
        "  a copy of the Arkham Advertiser\n"
        "You wear and wield:\n"
        "  main hand: a blackthorn walking stick"
    )
    inv = inventory_of(out, t.ada).inventory
    assert [i.prototype for i in inv.carried] == ["brass-lantern", "arkham-advertiser"]
    assert inv.worn["main_hand"].prototype == "walking-stick"
    assert (inv.things, inv.weight) == (2, 5.5)


def test_get_picks_up_and_the_room_sees_it(t: Table) -> None:
    (lantern,) = t.floor("brass-lantern")
    out = t.run(t.ada, "get", "lantern")
    assert (out.success, out.text) == (True, "You pick up a brass lantern.")
    assert item_events(out) == [(OTHERS, "get", "Ada picks up a brass lantern.")]
    assert out.events[-1].event_type == "inventory_update"
    assert t.state.place_of(lantern.id) == Place("carried", "id-ada")
    assert t.state.floor(START) == []


def test_get_refusals(t: Table) -> None:
    assert t.run(t.ada, "get", "all").text == "There is nothing here to pick up."
    t.floor("crate-of-fish")
    assert t.run(t.ada, "get", "lamp").text == "You see no 'lamp' here."
    out = t.run(t.ada, "take", "crate")
    assert not out.success and out.text == (
        "You cannot carry a crate of salted fish: it weighs 40 lb and you can carry 35 lb more."
    )
    small = Table(inventory_slots=2)
    small.carry(small.ada, "ghoul-tooth", "ghoul-tooth")
    small.floor("arkham-advertiser")
    assert small.run(small.ada, "get", "paper").text == "You cannot carry any more things (2 of 2)."


def test_get_all_takes_what_fits_and_says_what_it_leaves(t: Table) -> None:
    t.floor("brass-lantern", "crate-of-fish", "arkham-advertiser")
    out = t.run(t.ada, "get", "all")
    assert out.success and out.text == (
        "You pick up a brass lantern, a copy of the Arkham Advertiser.\n"
        "You leave a crate of salted fish (too heavy)."
    )
    assert [a for _, a, _ in item_events(out)] == ["get", "get"]
    assert t.names(t.ada) == ["brass-lantern", "arkham-advertiser"]
    assert [i.prototype.id for i in t.state.floor(START)] == ["crate-of-fish"]


def test_get_second_match_and_all_of_a_word(t: Table) -> None:
    _, second, _ = t.floor("arkham-advertiser", "arkham-advertiser", "brass-lantern")
    t.run(t.ada, "get", "2.paper")
    assert [i.id for i in t.state.carried_by(t.ada.id)] == [second.id]
    t.floor("arkham-advertiser")
    out = t.run(t.ada, "get", "all.paper")
    assert out.text == (
        "You pick up a copy of the Arkham Advertiser, a copy of the Arkham Advertiser."
    )
    assert t.run(t.ada, "get", "all.paper").text == "You see no 'paper' here."


def test_drop_and_its_refusals(t: Table) -> None:
    (lantern,) = t.carry(t.ada, "brass-lantern")
    assert t.run(t.ada, "drop", "paper").text == "You are not carrying any 'paper'."
    out = t.run(t.ada, "drop", "lantern")
    assert (out.success, out.text) == (True, "You drop a brass lantern.")
    assert item_events(out) == [(OTHERS, "drop", "Ada drops a brass lantern.")]
    assert t.state.place_of(lantern.id) == Place("room", START)
    t.carry(t.ada, "oilskin-coat")
    t.run(t.ada, "wear", "coat")
    assert (
        t.run(t.ada, "drop", "coat").text == "You must remove an oilskin coat before you drop it."
    )
    assert t.run(t.ada, "drop", "all").text == "You carry nothing to drop."


def test_drop_all_and_a_full_floor(t: Table) -> None:
    t.carry(t.ada, "brass-lantern", "arkham-advertiser")
    out = t.run(t.ada, "drop", "all")
    assert out.text == "You drop a brass lantern, a copy of the Arkham Advertiser."
    full = Table(room_items_max=1)
    full.floor("ghoul-tooth")
    full.carry(full.ada, "brass-lantern")
    out = full.run(full.ada, "drop", "lantern")
    assert not out.success and out.text == "There is no room left here to drop anything."
    assert full.names(full.ada) == ["brass-lantern"]


def test_give_moves_the_item_and_tells_each_their_own_line(t: Table) -> None:
    (lantern,) = t.carry(t.ada, "brass-lantern")
    out = t.run(t.ada, "give", "lantern", "to", "bob")
    assert (out.success, out.text) == (True, "You give a brass lantern to Bob.")
    kinds = [(e.event_type, e.audience) for e in out.events]
    assert kinds == [
        ("inventory_update", ToPlayer("id-ada")),
        ("item_event", ToPlayer("id-bob")),
        ("inventory_update", ToPlayer("id-bob")),
        ("item_event", ToRoom(START, frozenset({"id-ada", "id-bob"}))),
    ]
    texts = [t_ for _, _, t_ in item_events(out)]
    assert texts == ["Ada gives you a brass lantern.", "Ada gives a brass lantern to Bob."]
    give = out.events[1].data
    assert isinstance(give, ItemEventData)
    assert give.item.id == lantern.id and give.target is not None and give.target.name == "Bob"
    assert t.state.place_of(lantern.id) == Place("carried", "id-bob")
    assert inventory_of(out, t.bob).inventory.carried[0].id == lantern.id


def test_give_refusals(t: Table) -> None:
    t.carry(t.ada, "brass-lantern")
    assert t.run(t.ada, "give", "lantern", "Zed").text == "You see no one called 'Zed' here."
    assert t.run(t.ada, "give", "lantern", "Ada").text == "You already have it."
    assert t.run(t.ada, "give", "paper", "Bob").text == "You are not carrying any 'paper'."
    t.bob.character.dp = 0  # bleeding
    assert t.run(t.ada, "give", "lantern", "Bob").text == "Bob cannot take anything right now."
    t.bob.character.dp = 20
    t.carry(t.bob, *["ghoul-tooth"] * 20)
    assert t.run(t.ada, "give", "lantern", "Bob").text == "Bob cannot carry a brass lantern."
    assert t.names(t.ada) == ["brass-lantern"]


def test_equip_wield_wear_hold_and_swap(t: Table) -> None:
    t.carry(t.ada, "walking-stick", "gutting-knife", "oilskin-coat", "brass-lantern")
    out = t.run(t.ada, "wield", "stick")
    assert out.text == "You wield a blackthorn walking stick."
    assert item_events(out) == [(OTHERS, "equip", "Ada wields a blackthorn walking stick.")]
    assert t.run(t.ada, "wear", "coat").text == "You wear an oilskin coat."
    assert t.run(t.ada, "hold", "lantern").text == "You hold a brass lantern."
    out = t.run(t.ada, "equip", "knife")
    assert out.text == "You put away a blackthorn walking stick and wield a fish-gutting knife."
    assert [(a, x) for _, a, x in item_events(out)] == [
        ("unequip", "Ada stops wielding a blackthorn walking stick."),
        ("equip", "Ada wields a fish-gutting knife."),
    ]
    assert t.names(t.ada) == ["walking-stick"]
    assert t.run(t.ada, "wear", "paper").text == "You are not carrying any 'paper'."
    t.carry(t.ada, "arkham-advertiser")
    assert t.run(t.ada, "wear", "paper").text == (
        "You cannot wield or wear a copy of the Arkham Advertiser."
    )


def test_a_two_handed_weapon_puts_back_both_hands(t: Table) -> None:
    t.carry(t.ada, "gutting-knife", "brass-lantern", "fire-axe")
    t.run(t.ada, "wield", "knife")
    t.run(t.ada, "hold", "lantern")
    out = t.run(t.ada, "wield", "axe")
    assert out.text == "You put away a fish-gutting knife and a brass lantern and wield a fire axe."
    worn = t.state.worn_by(t.ada.id)
    assert worn["main_hand"].prototype.id == worn["off_hand"].prototype.id == "fire-axe"
    assert t.names(t.ada) == ["gutting-knife", "brass-lantern"]


def test_unequip_by_name_or_slot_and_its_refusals(t: Table) -> None:
    t.carry(t.ada, "oilskin-coat", "walking-stick")
    t.run(t.ada, "wear", "coat")
    t.run(t.ada, "wield", "stick")
    assert t.run(t.ada, "remove", "hat").text == "You are not wearing or wielding any 'hat'."
    out = t.run(t.ada, "remove", "coat")
    assert out.text == "You take off an oilskin coat."
    assert item_events(out) == [(OTHERS, "unequip", "Ada takes off an oilskin coat.")]
    assert out.events[0].data.slot == "body"  # type: ignore[union-attr]
    assert t.run(t.ada, "unequip", "main_hand").text == (
        "You stop wielding a blackthorn walking stick."
    )
    small = Table(inventory_slots=1)
    small.carry(small.ada, "walking-stick", "ghoul-tooth")
    small.run(small.ada, "wield", "stick")
    assert small.run(small.ada, "unwield", "stick").text == (
        "Your hands are full: you carry 1 of 1 things."
    )


def test_use_a_consumable_destroys_it(t: Table) -> None:
    (tonic,) = t.carry(t.ada, "nerve-tonic")
    t.carry(t.ada, "brass-lantern")
    assert t.run(t.ada, "use", "lantern").text == "You cannot use a brass lantern that way."
    out = t.run(t.ada, "drink", "tonic")
    assert out.text == (
        "You drink a bottle of nerve tonic. A bitter warmth spreads through your chest."
    )
    assert item_events(out) == [(OTHERS, "use", "Ada drinks a bottle of nerve tonic.")]
    assert t.names(t.ada) == ["brass-lantern"]
    assert (tonic, Place("gone")) in t.state.take_changed()


def test_a_tonic_restores_lucidity_up_to_the_maximum(t: Table) -> None:
    t.carry(t.ada, "nerve-tonic", "nerve-tonic")
    t.ada.character.lucidity = 90
    ctx_status = StatusLedger()
    t.run(t.ada, "drink", "tonic", status=ctx_status)
    assert t.ada.character.lucidity == 93
    (update,) = [e.data for e in ctx_status.events()]
    assert isinstance(update, StatusUpdateData)
    assert (update.reason, update.changes) == ("item", {"lucidity": 3})
    assert update.text == "A bitter warmth spreads through your chest."
    t.ada.character.lucidity = 99
    t.run(t.ada, "drink", "tonic")
    assert t.ada.character.lucidity == 100


def test_a_deranged_mind_sometimes_fumbles_and_keeps_the_item(t: Table) -> None:
    t.carry(t.ada, "nerve-tonic")
    t.ada.character.lucidity = 10  # deranged: one use in four fails
    outcomes = [t.run(t.ada, "drink", "tonic", rng=AlwaysLow()) for _ in range(2)]
    assert [o.text for o in outcomes] == ["Your hands will not do what you ask."] * 2
    assert t.names(t.ada) == ["nerve-tonic"]
    t.ada.character.lucidity = 80  # lucid: never
    assert t.run(t.ada, "drink", "tonic", rng=AlwaysLow()).success


class AlwaysLow(random.Random):
    def random(self) -> float:
        return 0.01


def test_look_at_items_and_at_what_a_player_wears(t: Table) -> None:
    t.carry(t.ada, "walking-stick", "brass-lantern")
    t.floor("arkham-advertiser")
    t.run(t.ada, "wield", "stick")
    assert t.run(t.ada, "look", "stick").text.splitlines()[:2] == [
        "a blackthorn walking stick (worn: main hand)",
        "Knotted, heavy-headed, polished by somebody's palm for forty years.",
    ]
    assert t.run(t.ada, "look", "lantern").text.splitlines()[0] == "a brass lantern (carried)"
    assert t.run(t.ada, "look", "paper").text.splitlines()[0] == (
        "a copy of the Arkham Advertiser (on the ground)"
    )
    t.run(t.ada, "hold", "lantern")
    t.carry(t.ada, "oilskin-coat", "bowler-hat")
    t.run(t.ada, "wear", "coat")
    t.run(t.ada, "wear", "hat")
    assert t.run(t.bob, "look", "Ada").text.splitlines()[1:] == [
        "Ada is here, looking back at you.",
        "Ada is wielding a blackthorn walking stick.",
        "Ada is holding a brass lantern.",
        "Ada is wearing a bowler hat, an oilskin coat.",
    ]
    assert t.run(t.ada, "look", "Bob").text == "Bob\nBob is here, looking back at you."


def test_purge_empties_the_floor_for_good(t: Table) -> None:
    lantern, paper = t.floor("brass-lantern", "arkham-advertiser")
    out = t.run(t.ada, "purge", admin=True)
    assert out.text == "You purge the room: 0 creatures and 2 things are gone."
    assert item_events(out) == [
        (OTHERS, "purge", "A brass lantern is gone."),
        (OTHERS, "purge", "A copy of the Arkham Advertiser is gone."),
    ]
    assert t.state.floor(START) == []
    gone = {item.id for item, place in t.state.take_changed() if place.kind == "gone"}
    assert gone == {lantern.id, paper.id}


def test_a_creature_does_not_want_a_gift(t: Table) -> None:
    spawn_npc(t.state, WORLD, WORLD.npcs["stray-cat"], START, tick=0)
    t.carry(t.ada, "brass-lantern")
    out = t.run(t.ada, "give", "lantern", "to", "cat")
    assert (out.success, out.text) == (False, "A stray cat does not want it.")
    assert t.names(t.ada) == ["brass-lantern"]


def test_an_admin_conjures_things_the_others_see_appear(t: Table) -> None:
    out = t.run(t.ada, "spawn", "nerve-tonic", "2", admin=True)
    assert out.text == "You conjure 2 × a bottle of nerve tonic."  # noqa: RUF001
    assert item_events(out) == [(OTHERS, "spawn", "A bottle of nerve tonic appears.")] * 2
    event = out.events[0].data
    assert isinstance(event, ItemEventData) and event.actor is not None
    assert (event.actor.id, event.actor.kind) == (t.ada.character_id, "player")
    assert [i.origin for i in t.state.floor(START)] == [None, None]
    full = Table(room_items_max=1)
    full.floor("ghoul-tooth")
    refused = full.run(full.ada, "spawn", "nerve-tonic", admin=True)
    assert refused.text == "There is no room left here for that."
    assert t.run(t.ada, "spawn", "nerve-tonic").text == "Only admins may use 'spawn'."
