"""The clock's rules pass over characters with nothing due in a tick (a shard runs them
every second for every character it holds), and do exactly what a roll or a count for
each one would have done."""

from __future__ import annotations

import random
from pathlib import Path

from mythos_game.adapters.world_files import load_world
from mythos_game.domain import hallucinations, lucidity_ticks, wounds
from mythos_game.domain.game_state import GameState
from mythos_game.domain.outgoing import Outgoing
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import Rules
from mythos_game.domain.ticks import TickContext, TickOutcome

WORLD = load_world(Path(__file__).resolve().parents[1] / "world")


def _roster(rng: random.Random, count: int) -> Roster:
    """Minds of every tier, some of them dead, added in no particular order."""
    roster = Roster()
    for i in rng.sample(range(count), count):
        player = Player(f"p{i:03d}", f"P{i}", WORLD.start_room, 1)
        player.character.lucidity = rng.choice([100, 55, 35, 25, 15, 5, 0])
        if rng.random() < 0.1:
            player.character.dp = -10  # dead
        roster.add(player)
    return roster


def _every_living_mind_rolls(roster: Roster, tick: int, rng: random.Random) -> list[Outgoing]:
    """What the clock's visions are: a roll for every living mind, in id order."""
    seen = []
    for player in sorted(roster.online(), key=lambda p: p.id):
        character = player.character
        if character.condition == "dead":
            continue
        vision = hallucinations.on_clock(character.tier, tick, rng, "on")
        if vision is not None:
            seen.append(hallucinations.told_to(player.id, vision))
    return seen


def test_visions_come_to_the_same_minds_with_the_same_rolls_on_every_tick() -> None:
    setup = random.Random(3)
    roster = _roster(setup, 60)
    ctx = TickContext(WORLD, roster, GameState(), 0, 1000.0, random.Random(11), Rules())
    expected_rng = random.Random(11)
    visions = 0
    for tick in range(1, 241):
        ctx.tick = tick
        outcome = TickOutcome()
        lucidity_ticks.hallucinate(ctx, outcome)
        assert outcome.events == _every_living_mind_rolls(roster, tick, expected_rng), tick
        visions += len(outcome.events)
    assert visions > 10  # the chances fired: the comparison compared something
    assert ctx.rng.random() == expected_rng.random()  # no roll more, none fewer


def test_a_tick_on_no_tiers_period_rolls_nothing() -> None:
    assert hallucinations.due_on(7) == frozenset()
    assert hallucinations.due_on(20) == {"deranged"}
    assert hallucinations.due_on(60) == {"fractured", "deranged"}


def test_unhurt_characters_keep_no_count_and_the_hurt_regain_on_their_period() -> None:
    roster = Roster()
    unhurt, hurt = Player("u", "Una", WORLD.start_room, 1), Player("h", "Hal", WORLD.start_room, 1)
    roster.add(unhurt)
    roster.add(hurt)
    hurt.character.dp -= 2
    hurt.character.mp -= 1
    state = GameState()
    rules = Rules(dp_regen_ticks=3, mp_regen_ticks=2)
    ctx = TickContext(WORLD, roster, state, 0, 1000.0, random.Random(1), rules)
    dp, mp = [], []
    for tick in range(1, 8):
        ctx.tick = tick
        wounds.regenerate(ctx, TickOutcome())
        dp.append(hurt.character.dp)
        mp.append(hurt.character.mp)
        assert unhurt.character.id not in state.regen_ticks
    full_dp, full_mp = hurt.character.max_dp, hurt.character.max_mp
    assert dp == [full_dp - 2] * 2 + [full_dp - 1] * 3 + [full_dp] * 2
    assert mp == [full_mp - 1, full_mp, full_mp, full_mp, full_mp, full_mp, full_mp]
    assert hurt.character.id not in state.regen_ticks  # whole again: nothing left to count
    assert (unhurt.character.dp, unhurt.character.mp) == (full_dp, full_mp)
