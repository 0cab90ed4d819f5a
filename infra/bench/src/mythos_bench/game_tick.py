"""Micro-benchmark of one tick of the game clock's world rules (``ticks.run_tick``) with
many characters in the world and nothing happening: what a shard spends every second on
idle players, before any command.

    uv run python -m mythos_bench.game_tick [--players 5000] [--ticks 300] [--repeats 5]

The shipped world, ``--players`` standard investigators (unhurt, lucid) spread over its
rooms, the world's spawn rules run for 100 ticks first. Prints the CPU time per tick
(the best of ``--repeats`` runs of ``--ticks`` ticks) and each system's share (wall
clock per system, from the best run). The session layer's part of the tick (link-dead
expiry, heartbeats) and the ``game_tick`` broadcast are not in it.
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from pathlib import Path

from mythos_game.adapters.world_files import load_world
from mythos_game.domain.game_state import GameState
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import Rules
from mythos_game.domain.ticks import SYSTEMS, TickContext, TickOutcome

WORLD_DIR = Path(__file__).resolve().parents[4] / "services" / "game" / "world"
WARM_UP_TICKS = 100


def _world_with(players: int) -> TickContext:
    world = load_world(WORLD_DIR)
    rooms = sorted(world.rooms)
    roster = Roster()
    for i in range(players):
        roster.add(Player(f"p{i:06d}", f"Investigator{i}", rooms[i % len(rooms)], 1))
    counter = itertools.count(1)
    state = GameState(new_id=lambda: f"it-{next(counter)}")
    return TickContext(
        world, roster, state, tick=0, now=1_000.0, rng=random.Random(7), rules=Rules()
    )


def _run(ctx: TickContext, ticks: int) -> tuple[float, dict[str, float]]:
    """CPU seconds per tick, and each system's wall-clock seconds per tick."""
    spent = dict.fromkeys((name for name, _ in SYSTEMS), 0.0)
    started = time.process_time()
    for _ in range(ticks):
        ctx.tick += 1
        ctx.now += 1.0
        outcome = TickOutcome()
        for name, system in SYSTEMS:
            at = time.perf_counter()
            system(ctx, outcome)
            spent[name] += time.perf_counter() - at
    per_tick = (time.process_time() - started) / ticks
    return per_tick, {name: seconds / ticks for name, seconds in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--players", type=int, default=5000)
    parser.add_argument("--ticks", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ctx = _world_with(args.players)
    _run(ctx, WARM_UP_TICKS)
    runs = [_run(ctx, args.ticks) for _ in range(args.repeats)]
    best, shares = min(runs, key=lambda run: run[0])
    listed = ", ".join(f"{run[0] * 1e3:.2f}" for run in runs)
    print(
        f"{args.players} players, nothing happening: best {best * 1e3:.2f} ms of CPU per "
        f"tick ({best * 1e6 / max(1, args.players):.2f} µs per player), runs {listed}"
    )
    for name, seconds in sorted(shares.items(), key=lambda item: -item[1]):
        print(f"  {name}: {seconds * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
