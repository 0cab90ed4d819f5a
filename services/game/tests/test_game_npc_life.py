"""NPCs in the world as pure rules: instances, presence events, wandering, spawn rules,
regeneration and ``look``. Seeded randomness, the shipped world."""

from __future__ import annotations

import random
from pathlib import Path

from mythos_contracts.events import NpcPresenceData
from mythos_game.adapters.world_files import load_world
from mythos_game.domain import npc_life
from mythos_game.domain.game_state import GameState
from mythos_game.domain.npc_life import (
    describe_npc,
    move_npc,
    npc_things,
    npcs_in,
    remove_npc,
    spawn_npc,
    ways_out,
)
from mythos_game.domain.outgoing import ToRoom
from mythos_game.domain.roster import Roster
from mythos_game.domain.rules import Rules
from mythos_game.domain.spawning import fill_spawns, run_spawn_rules
from mythos_game.domain.ticks import TickContext, TickOutcome

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")


def _ctx(state: GameState, tick: int = 1, now: float = 1000.0, seed: int = 7) -> TickContext:
    return TickContext(WORLD, Roster(), state, tick, now, random.Random(seed), Rules())


def _presence(outgoing: object) -> NpcPresenceData:
    data = outgoing.data  # type: ignore[attr-defined]
    assert isinstance(data, NpcPresenceData)
    return data


def test_a_spawned_npc_has_an_npc_id_full_dp_and_says_its_spawn_message() -> None:
    state = GameState()
    ghoul, entered = spawn_npc(state, WORLD, WORLD.npcs["ghoul"], "burying-ground", tick=3)
    assert ghoul.id.startswith("npc-") and ghoul.dp == ghoul.max_dp == 13
    assert entered.event_type == "npc_entered"
    assert entered.audience == ToRoom("burying-ground")
    data = _presence(entered)
    assert (data.reason, data.prototype, data.npc_name) == ("spawned", "ghoul", "a ghoul")
    assert data.text == "A ghoul claws its way up out of the soft earth."
    _, cat = spawn_npc(state, WORLD, WORLD.npcs["desk-sergeant"], "burying-ground", tick=3)
    assert _presence(cat).text == "The desk sergeant appears."  # the default message
    assert [t.prototype for t in npc_things(state, "burying-ground")] == ["ghoul", "desk-sergeant"]


def test_walking_tells_both_rooms_in_their_own_terms() -> None:
    state = GameState()
    cat, _ = spawn_npc(state, WORLD, WORLD.npcs["stray-cat"], "fish-market", tick=0)
    left, entered = move_npc(state, WORLD, cat, "east", "walked", tick=20)
    assert left.audience == ToRoom("fish-market")
    assert (_presence(left).direction, _presence(left).text) == ("east", "A stray cat goes east.")
    assert entered.audience == ToRoom("river-street-docks")
    assert _presence(entered).direction == "west"
    assert _presence(entered).text == "A stray cat arrives from the west."
    assert cat.room_id == "river-street-docks" and cat.moved_tick == 20
    assert npcs_in(state, "fish-market") == []


def test_fled_and_purged_and_died_texts() -> None:
    state = GameState()
    cultist, _ = spawn_npc(state, WORLD, WORLD.npcs["cultist"], "fish-market", tick=0)
    left, entered = move_npc(state, WORLD, cultist, "east", "fled", tick=1)
    assert _presence(left).text is None
    assert _presence(entered).text == "A hooded cultist stumbles in from the west."
    assert _presence(remove_npc(state, cultist, "purged")).text == "A hooded cultist is gone."
    assert state.npcs == {}
    again, _ = spawn_npc(state, WORLD, WORLD.npcs["cultist"], "fish-market", tick=0)
    died = _presence(remove_npc(state, again, "died"))
    assert (died.reason, died.text) == ("died", None)


def test_an_npc_never_wanders_out_of_its_home_subzone_or_into_a_safe_room() -> None:
    state = GameState()
    cat, _ = spawn_npc(state, WORLD, WORLD.npcs["stray-cat"], "river-street-docks", tick=0)
    ways = ways_out(WORLD, cat)
    assert "north" not in ways  # the square is Downtown, not River Street
    for direction in ways:
        there = WORLD.room(WORLD.room(cat.room_id).exits[direction].target)
        assert there.subzone_id == "river-street" and not there.safe


def test_wandering_waits_its_ticks_then_moves_by_chance() -> None:
    state = GameState()
    cat, _ = spawn_npc(state, WORLD, WORLD.npcs["stray-cat"], "fish-market", tick=0)
    outcome = TickOutcome()
    npc_life.wander(_ctx(state, tick=19), outcome)
    assert outcome.events == [] and cat.room_id == "fish-market"  # every 20 ticks
    moved_at = None
    for tick in range(20, 80):
        outcome = TickOutcome()
        npc_life.wander(_ctx(state, tick=tick, seed=tick), outcome)
        if outcome.events:
            moved_at = tick
            break
    assert moved_at is not None and cat.room_id != "fish-market"
    assert [e.event_type for e in outcome.events] == ["npc_left", "npc_entered"]


def test_npc_spawn_rules_fill_to_max_count_the_living_and_respawn_on_their_timer() -> None:
    state = GameState()
    outcome = TickOutcome()
    fill_spawns(_ctx(state), outcome)
    ghouls = [n for n in state.npcs.values() if n.prototype == "ghoul"]
    assert len(ghouls) == 1 and ghouls[0].room_id == "burying-ground"
    assert ghouls[0].origin == "burying-ground/0"
    assert {n.prototype for n in state.npcs.values()} == {
        "stray-cat",
        "desk-sergeant",
        "night-librarian",
        "ghoul",
        "cultist",
        "deep-one",
        "angle-dweller",
    }
    remove_npc(state, ghouls[0], "died")
    run_spawn_rules(_ctx(state, now=1000.0), TickOutcome())
    assert state.spawn_due["burying-ground/0"] == 1300.0  # the ghoul's respawn_seconds
    later = TickOutcome()
    run_spawn_rules(_ctx(state, now=1300.0), later)
    assert [n.prototype for n in npcs_in(state, "burying-ground")] == ["ghoul"]
    assert [e.event_type for e in later.events] == ["npc_entered"]


def test_an_npc_out_of_combat_regains_one_dp_every_regen_period() -> None:
    state = GameState()
    ghoul, _ = spawn_npc(state, WORLD, WORLD.npcs["ghoul"], "burying-ground", tick=0)
    ghoul.dp = 5
    for tick in range(1, 31):
        npc_life.regenerate(_ctx(state, tick=tick), TickOutcome())
    assert ghoul.dp == 6


def test_look_at_an_npc_shows_how_hurt_it_is_and_whom_it_fights() -> None:
    state = GameState()
    ghoul, _ = spawn_npc(state, WORLD, WORLD.npcs["ghoul"], "burying-ground", tick=0)
    description = WORLD.npcs["ghoul"].description
    assert describe_npc(ghoul, None) == f"a ghoul\n{description}\nIt looks unhurt."
    ghoul.dp = 7
    assert describe_npc(ghoul, "Ada") == (
        f"a ghoul\n{description}\nIt is wounded.\nIt is fighting Ada."
    )
    ghoul.dp = 6
    assert describe_npc(ghoul, None).endswith("It is badly wounded.")
    pell, _ = spawn_npc(state, WORLD, WORLD.npcs["night-librarian"], "orne-library", tick=0)
    assert describe_npc(pell, None) == (
        f"the night librarian\n{WORLD.npcs['night-librarian'].description}"
    )


def test_in_always_mode_a_wanderer_moves_as_soon_as_its_ticks_are_up() -> None:
    state = GameState()
    cat, _ = spawn_npc(state, WORLD, WORLD.npcs["stray-cat"], "fish-market", tick=0)
    ctx = TickContext(
        WORLD,
        Roster(),
        state,
        20,
        1000.0,
        random.Random(1),
        Rules(lucidity_random_effects="always"),
    )
    npc_life.wander(ctx, TickOutcome())
    assert cat.room_id != "fish-market"
