"""The tick pipeline and the spawn-rule engine, as pure rules on the shipped world."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from mythos_contracts.events import ItemEventData
from mythos_game.adapters.world_files import load_world
from mythos_game.domain import spawning
from mythos_game.domain.floor_decay import decay_floors
from mythos_game.domain.game_state import GameState
from mythos_game.domain.items import Item
from mythos_game.domain.roster import Roster
from mythos_game.domain.rules import Rules
from mythos_game.domain.spawning import SpawnKind, fill_spawns, run_spawn_rules
from mythos_game.domain.ticks import SYSTEMS, TickContext, TickOutcome, run_tick
from mythos_game.domain.world import Room, SpawnRule

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
SQUARE = "independence-square"
SQUARE_RULE = f"{SQUARE}/0"
DESIGN_ORDER = (
    "spawn rules",
    "floor decay",
    "npc wandering",
    "hostile engaging",
    "combat rounds",
    "bleeding",
    "regeneration",
    "lucidity minute",
    "hallucinations",
    "auto-respawn",
)


def _state() -> GameState:
    counter = itertools.count(1)
    return GameState(new_id=lambda: f"it-{next(counter)}")


def _ctx(state: GameState, now: float = 1000.0, **rules: float) -> TickContext:
    return TickContext(
        WORLD, Roster(), state, tick=1, now=now, rng=random.Random(7), rules=Rules(**rules)
    )


def _item_rules() -> list[SpawnRule]:
    return [r for room in WORLD.rooms.values() for r in room.spawns if r.kind == "item"]


def test_the_systems_run_in_the_designed_order() -> None:
    names = [name for name, _ in SYSTEMS]
    assert names == [n for n in DESIGN_ORDER if n in names]
    assert names[0] == "spawn rules"


def test_run_tick_runs_each_system_in_turn_on_one_outcome() -> None:
    seen: list[str] = []

    def system(name: str):  # type: ignore[no-untyped-def]
        def run(ctx: TickContext, outcome: TickOutcome) -> None:
            seen.append(f"{name}:{len(seen)}")

        return run

    run_tick(_ctx(_state()), (("a", system("a")), ("b", system("b"))))
    assert seen == ["a:0", "b:1"]


def test_start_fills_every_item_rule_to_its_max() -> None:
    state = _state()
    outcome = TickOutcome()
    fill_spawns(_ctx(state), outcome)
    for rule in _item_rules():
        room_id = rule.id.rsplit("/", 1)[0]
        assert state.count_origin(room_id, rule.id) == rule.max, rule.id
    square = state.floor(SQUARE)
    assert [(i.prototype.id, i.origin) for i in square] == [("arkham-advertiser", SQUARE_RULE)]
    assert state.spawns_started
    assert state.spawn_due == {}
    texts = [e.data.text for e in outcome.events if isinstance(e.data, ItemEventData)]
    assert "A copy of the Arkham Advertiser appears." in texts
    # Every new item is noted to be saved, where it lies.
    changed = state.take_changed()
    assert len(changed) == sum(r.max for r in _item_rules())
    assert all(place.kind == "room" for _, place in changed)


def test_start_counts_the_loaded_floor_items_and_duplicates_nothing() -> None:
    state = _state()
    paper = Item("it-stored", WORLD.items["arkham-advertiser"], origin=SQUARE_RULE)
    state.put_on_floor(SQUARE, paper, loaded=True)
    fill_spawns(_ctx(state), TickOutcome())
    assert [i.id for i in state.floor(SQUARE)] == ["it-stored"]
    assert all(item.id != "it-stored" for item, _ in state.take_changed())


def test_no_rule_runs_before_the_floors_are_loaded() -> None:
    state = _state()
    outcome = TickOutcome()
    run_spawn_rules(_ctx(state), outcome)
    assert state.floors == {} and state.spawn_due == {} and outcome.events == []


def test_a_short_rule_waits_its_scaled_period_then_spawns_one() -> None:
    state = _state()
    fill_spawns(_ctx(state, now=0.0), TickOutcome())
    state.take_changed()
    [paper] = state.floor(SQUARE)
    taken = state.give_to("ada", paper)
    assert taken.origin is None  # it left the floor: it no longer counts for the rule

    run_spawn_rules(_ctx(state, now=100.0, spawn_period_scale=0.5), TickOutcome())
    assert state.spawn_due[SQUARE_RULE] == 100.0 + 600 * 0.5
    early = TickOutcome()
    run_spawn_rules(_ctx(state, now=399.9, spawn_period_scale=0.5), early)
    assert early.events == [] and state.floor(SQUARE) == []

    due = TickOutcome()
    run_spawn_rules(_ctx(state, now=400.0, spawn_period_scale=0.5), due)
    [fresh] = state.floor(SQUARE)
    assert fresh.origin == SQUARE_RULE and fresh.id != paper.id
    [event] = due.events
    assert event.event_type == "item_event"
    assert event.room_id == SQUARE
    assert isinstance(event.data, ItemEventData)
    assert event.data.action == "spawn" and event.data.actor is None
    assert event.data.item.id == fresh.id
    assert event.data.text == "A copy of the Arkham Advertiser appears."
    assert SQUARE_RULE not in state.spawn_due


def test_a_dropped_back_item_does_not_count_for_the_rule() -> None:
    state = _state()
    fill_spawns(_ctx(state, now=0.0), TickOutcome())
    [paper] = state.floor(SQUARE)
    state.put_on_floor(SQUARE, state.give_to("ada", paper))
    run_spawn_rules(_ctx(state, now=1.0), TickOutcome())
    assert SQUARE_RULE in state.spawn_due
    run_spawn_rules(_ctx(state, now=601.0), TickOutcome())
    assert len(state.floor(SQUARE)) == 2


def test_a_full_floor_gets_nothing_and_the_timer_starts_again() -> None:
    state = _state()
    junk = WORLD.items["ghoul-tooth"]
    for n in range(3):
        state.put_on_floor(SQUARE, Item(f"it-junk-{n}", junk))
    fill_spawns(_ctx(state, now=0.0, room_items_max=3), TickOutcome())
    assert len(state.floor(SQUARE)) == 3
    assert state.spawn_due[SQUARE_RULE] == 600.0
    run_spawn_rules(_ctx(state, now=600.0, room_items_max=3), TickOutcome())
    assert state.spawn_due[SQUARE_RULE] == 1200.0


def test_a_kind_nobody_registered_is_left_alone_and_a_registered_one_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    npc_rules = [r for room in WORLD.rooms.values() for r in room.spawns if r.kind == "npc"]
    assert npc_rules, "the shipped world has NPC spawn rules"
    state = _state()
    fill_spawns(_ctx(state), TickOutcome())  # no 'npc' kind: nothing happens to them
    assert not any(r.id in state.spawn_due for r in npc_rules)

    made: dict[str, int] = {}

    def count(ctx: TickContext, room: Room, rule: SpawnRule) -> int:
        return made.get(rule.id, 0)

    def spawn(ctx: TickContext, room: Room, rule: SpawnRule, outcome: TickOutcome) -> bool:
        made[rule.id] = made.get(rule.id, 0) + 1
        return True

    kinds = {**spawning.SPAWN_KINDS, "npc": SpawnKind(count, spawn, lambda ctx, rule: 5.0)}
    monkeypatch.setattr(spawning, "SPAWN_KINDS", kinds)
    state = _state()
    fill_spawns(_ctx(state), TickOutcome())
    assert made == {r.id: r.max for r in npc_rules}
    made[npc_rules[0].id] = 0
    run_spawn_rules(_ctx(state, now=2000.0), TickOutcome())
    assert state.spawn_due[npc_rules[0].id] == 2005.0


def test_what_players_leave_on_a_floor_decays_and_rule_stock_stays() -> None:
    state = _state()
    fill_spawns(_ctx(state, now=0.0), TickOutcome())
    [paper] = state.floor(SQUARE)
    lantern = Item("it-lantern", WORLD.items["brass-lantern"])
    state.put_on_floor(SQUARE, lantern)
    decay_floors(_ctx(state, now=100.0, floor_item_hours=1), TickOutcome())
    early = TickOutcome()
    decay_floors(_ctx(state, now=100.0 + 3599, floor_item_hours=1), early)
    assert early.events == [] and len(state.floor(SQUARE)) == 2
    due = TickOutcome()
    decay_floors(_ctx(state, now=100.0 + 3600, floor_item_hours=1), due)
    assert state.floor(SQUARE) == [paper]
    [event] = due.events
    assert isinstance(event.data, ItemEventData)
    assert (event.data.action, event.data.actor, event.data.text) == (
        "decay",
        None,
        "A brass lantern is gone.",
    )
    assert state.floor_since == {}
    assert ("it-lantern", "gone") in [(i.id, p.kind) for i, p in state.take_changed()]


def test_picking_a_thing_up_restarts_its_decay_and_zero_hours_keep_it() -> None:
    state = _state()
    lantern = Item("it-lantern", WORLD.items["brass-lantern"])
    state.put_on_floor(SQUARE, lantern)
    decay_floors(_ctx(state, now=0.0, floor_item_hours=1), TickOutcome())
    state.put_on_floor(SQUARE, state.give_to("ada", lantern))
    decay_floors(_ctx(state, now=3000.0, floor_item_hours=1), TickOutcome())  # still lying
    state.give_to("ada", lantern)
    decay_floors(_ctx(state, now=3001.0, floor_item_hours=1), TickOutcome())
    assert state.floor_since == {}
    state.put_on_floor(SQUARE, lantern)
    decay_floors(_ctx(state, now=4000.0, floor_item_hours=1), TickOutcome())
    decay_floors(_ctx(state, now=5000.0, floor_item_hours=1), TickOutcome())
    assert state.floor(SQUARE) != []
    decay_floors(_ctx(state, now=10**9, floor_item_hours=0), TickOutcome())
    assert state.floor(SQUARE) != []
