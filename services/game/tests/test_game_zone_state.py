"""A shard runs the world only in the zones it owns, as pure rules (``TickContext.owns``),
and one zone's state out of a game and back in (``domain/zone_state.py``). The shipped
world split as ``world/shards.2.json`` splits it: the university is s2's."""

from __future__ import annotations

import random
from pathlib import Path

from mythos_game.adapters.world_files import load_world
from mythos_game.domain.combat import engage
from mythos_game.domain.fighting.bodies import Arena, CharacterBody
from mythos_game.domain.game_state import GONE, GameState
from mythos_game.domain.items import Item
from mythos_game.domain.npc_life import Npc, spawn_npc
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import Rules
from mythos_game.domain.spawning import fill_spawns, run_spawn_rules
from mythos_game.domain.status import StatusLedger
from mythos_game.domain.ticks import TickContext, TickOutcome, run_tick
from mythos_game.domain.zone_state import npc_from, npc_record, put_clocks, take_zone

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")
UNIVERSITY, LIBRARY, QUAD = "miskatonic-university", "orne-library", "miskatonic-quad"
S2_ROOMS = set(WORLD.zone_rooms(UNIVERSITY)) | set(WORLD.zone_rooms("uptown"))


def s1_owns(room_id: str) -> bool:
    return room_id not in S2_ROOMS


def _ctx(
    state: GameState,
    *,
    roster: Roster | None = None,
    now: float = 1000.0,
    tick: int = 1,
    rules: Rules | None = None,
) -> TickContext:
    return TickContext(
        WORLD,
        roster or Roster(),
        state,
        tick,
        now,
        random.Random(3),
        rules or Rules(lucidity_random_effects="always"),
        owns=s1_owns,
    )


def _npc_rooms(state: GameState) -> set[str]:
    return {npc.room_id for npc in state.npcs.values()}


def test_the_spawn_rules_of_another_shards_rooms_are_neither_filled_nor_timed() -> None:
    state = GameState()
    fill_spawns(_ctx(state), TickOutcome())
    assert _npc_rooms(state) and not _npc_rooms(state) & S2_ROOMS, "no night librarian on s1"
    assert "burying-ground" in _npc_rooms(state), "s1's own rules are filled"
    # A timer of the university's, as the zone would bring it: left as it is.
    state.spawn_due[f"{LIBRARY}/0"] = 1500.0
    run_spawn_rules(_ctx(state, now=2000.0), TickOutcome())
    assert state.spawn_due == {f"{LIBRARY}/0": 1500.0}
    assert not _npc_rooms(state) & S2_ROOMS


def test_floor_decay_leaves_another_shards_floors_and_their_clocks_alone() -> None:
    state = GameState()
    state.put_on_floor(QUAD, Item("it-theirs", WORLD.items["brass-lantern"]), loaded=True)
    state.put_on_floor(
        "independence-square", Item("it-ours", WORLD.items["brass-lantern"]), loaded=True
    )
    state.floor_since["it-theirs"] = 0.0
    rules = Rules(floor_item_hours=1.0)
    decay = run_tick(_ctx(state, now=100.0, rules=rules))
    assert state.floor_since == {"it-theirs": 0.0, "it-ours": 100.0}
    decay = run_tick(_ctx(state, now=100.0 + 3600.0, rules=rules))
    assert state.take_changed() == [(Item("it-ours", WORLD.items["brass-lantern"]), GONE)]
    assert [e.room_id for e in decay.events if e.event_type == "item_event"] == [
        "independence-square"
    ]
    assert [i.id for i in state.floor(QUAD)] == ["it-theirs"]
    assert state.floor_since == {"it-theirs": 0.0}, "its clock kept for the zone's state"


def test_npcs_in_another_shards_rooms_neither_wander_heal_nor_start_fights() -> None:
    state, roster = GameState(), Roster()
    ghoul, _ = spawn_npc(state, WORLD, WORLD.npcs["ghoul"], QUAD, tick=0)
    ghoul.dp -= 5
    cat, _ = spawn_npc(state, WORLD, WORLD.npcs["stray-cat"], LIBRARY, tick=0)
    alice = Player("alice", "Alice", QUAD, 1)
    roster.add(alice)
    for tick in range(1, 40):
        run_tick(_ctx(state, roster=roster, tick=tick, now=1000.0 + tick))
    assert ghoul.room_id == QUAD and ghoul.dp == ghoul.max_dp - 5
    assert cat.room_id == LIBRARY and cat.moved_tick == 0
    assert state.fights == {}


def test_a_fight_in_another_shards_room_has_no_rounds_there() -> None:
    state, roster = GameState(), Roster()
    cat, _ = spawn_npc(state, WORLD, WORLD.npcs["stray-cat"], QUAD, tick=0)
    alice = Player("alice", "Alice", QUAD, 1)
    roster.add(alice)
    arena = Arena(WORLD, roster, state, Rules(), random.Random(1), StatusLedger(), 0)
    fight = engage(state.fights, QUAD, CharacterBody(arena, alice), cat, tick=0, round_ticks=1)
    for tick in range(1, 10):
        run_tick(_ctx(state, roster=roster, tick=tick, now=1000.0 + tick))
    assert (
        fight.round == 0 and cat.dp == cat.max_dp and alice.character.dp == alice.character.max_dp
    )


def test_a_zone_taken_out_leaves_nothing_of_it_and_its_state_goes_back_in_whole() -> None:
    state, roster = GameState(new_id=iter(f"it-{n}" for n in range(100)).__next__), Roster()
    every = TickContext(WORLD, roster, state, 1, 1000.0, random.Random(3), Rules())
    fill_spawns(every, TickOutcome())  # as s2 holds it (every room its own here)
    state.take_changed()  # saved after the start's fill
    lantern = Item("it-lantern", WORLD.items["brass-lantern"])
    state.put_on_floor(QUAD, lantern, loaded=True)
    state.floor_since["it-lantern"] = 900.0
    state.spawn_due[f"{LIBRARY}/0"] = 1300.0
    state.spawn_due["burying-ground/0"] = 1400.0
    librarian = next(n for n in state.npcs.values() if n.room_id == LIBRARY)
    alice = Player("alice", "Alice", LIBRARY, 1)
    roster.add(alice)
    arena = Arena(WORLD, roster, state, Rules(), random.Random(1), every.status, 1)
    engage(state.fights, LIBRARY, CharacterBody(arena, alice), librarian, tick=1, round_ticks=3)
    alice.character.in_combat = True
    outside = {room: state.floor(room) for room in state.floors if room not in S2_ROOMS}

    taken = take_zone(WORLD, state, roster, UNIVERSITY)

    assert taken.floors == [(QUAD, lantern)]
    assert taken.floor_since == {"it-lantern": 900.0}
    assert taken.spawn_due == {f"{LIBRARY}/0": 1300.0}
    assert [n.id for n in taken.npcs] == [librarian.id]
    assert state.item("it-lantern") is None and state.take_changed() == []
    assert {room: state.floor(room) for room in state.floors} == outside
    assert state.spawn_due == {"burying-ground/0": 1400.0}
    assert state.floor_since == {} and not _npc_rooms(state) & S2_ROOMS
    assert state.fights == {} and not alice.character.in_combat

    # Back in, on a shard that owns the zone: the items first, then the clocks.
    state.put_on_floor(QUAD, lantern, loaded=True)
    put_clocks(
        WORLD,
        state,
        UNIVERSITY,
        {**taken.spawn_due, "elsewhere/0": 1.0},
        {
            **taken.floor_since,
            "it-nowhere": 5.0,
        },
    )
    assert state.spawn_due[f"{LIBRARY}/0"] == 1300.0 and "elsewhere/0" not in state.spawn_due
    assert state.floor_since == {"it-lantern": 900.0}
    # The librarian's rule is short: it fills on the timer that came with the zone.
    outcome = TickOutcome()
    run_spawn_rules(every, outcome)
    assert not _npc_rooms(state) & S2_ROOMS and outcome.events == []
    run_spawn_rules(
        TickContext(WORLD, roster, state, 2, 1300.0, random.Random(3), Rules()), outcome
    )
    [back] = [n for n in state.npcs.values() if isinstance(n, Npc) and n.room_id == LIBRARY]
    assert back.origin == f"{LIBRARY}/0" and back.id != librarian.id
    assert [e.event_type for e in outcome.events] == ["npc_entered"]
    assert state.take_changed() == [], "the NPC rules only: nothing to save"


def test_an_npc_carried_to_another_game_keeps_its_id_wounds_and_clock_ages() -> None:
    state = GameState()
    ghoul, _ = spawn_npc(state, WORLD, WORLD.npcs["ghoul"], QUAD, tick=40, origin="r/0")
    ghoul.dp -= 2
    ghoul.regen_tick = 45
    ghoul.seen["char-1"] = 47
    ghoul.shocked.add("char-1")

    record = npc_record(ghoul, tick=50)
    again = npc_from(WORLD, record, tick=7)  # the other game counts its own ticks

    assert again is not None
    assert (again.id, again.room_id, again.dp, again.origin) == (ghoul.id, QUAD, ghoul.dp, "r/0")
    assert (again.moved_tick, again.regen_tick) == (7 - 10, 7 - 5)
    assert again.seen == {"char-1": 7 - 3} and again.shocked == {"char-1"}
    assert again.home_subzone == ghoul.home_subzone and not again.in_combat
    unknown = record.model_copy(update={"prototype_id": "no-such-npc"})
    assert npc_from(WORLD, unknown, tick=7) is None
