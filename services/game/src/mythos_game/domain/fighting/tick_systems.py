"""The fights' parts of the game tick: hostile NPCs start fights, and the rounds that are
due are resolved."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mythos_game.domain import combat
from mythos_game.domain.combat import Fight
from mythos_game.domain.fighting.aftermath import carry_out, forget_ended
from mythos_game.domain.fighting.bodies import Arena, bodies
from mythos_game.domain.fighting.engagement import hostiles_engage
from mythos_game.domain.npc_life import Npc, ways_out

if TYPE_CHECKING:
    from mythos_game.domain.ticks import TickContext, TickOutcome


def run_round(arena: Arena, fight: Fight) -> None:
    """Resolve the fight's next round and carry out what happened."""
    present = bodies(arena, fight)
    acts = combat.settle(fight, present)
    if not fight.over:
        acts = combat.resolve_round(
            fight,
            present,
            arena.rng,
            flee_ways=lambda npc_id: _npc_ways(arena, npc_id),
            flee_below=lambda npc_id: _flee_below(arena, npc_id),
        )
    fight.next_round_tick = arena.tick + arena.rules.combat_round_ticks
    carry_out(arena, fight, acts)


def _npc_ways(arena: Arena, npc_id: str) -> list[str]:
    npc = arena.state.npcs.get(npc_id)
    return ways_out(arena.world, npc) if isinstance(npc, Npc) else []


def _flee_below(arena: Arena, npc_id: str) -> int:
    npc = arena.state.npcs.get(npc_id)
    return npc.definition.flee_below_dp if isinstance(npc, Npc) else 0


def combat_rounds(arena: Arena) -> None:
    """The rounds due this tick in the rooms this shard owns, rooms in id order."""
    due = [
        f
        for f in arena.state.fights.values()
        if arena.tick >= f.next_round_tick and arena.owns(f.room_id)
    ]
    for fight in sorted(due, key=lambda f: f.room_id):
        if not fight.over:
            run_round(arena, fight)
    forget_ended(arena.state)


def _arena(ctx: TickContext) -> Arena:
    return Arena(
        ctx.world,
        ctx.roster,
        ctx.state,
        ctx.rules,
        ctx.rng,
        ctx.status,
        ctx.tick,
        ctx.now,
        ctx.links,
        owns=ctx.owns,
    )


def engaging(ctx: TickContext, outcome: TickOutcome) -> None:
    """The tick's system: hostile NPCs start fights."""
    arena = _arena(ctx)
    hostiles_engage(arena)
    outcome.events += arena.events


def rounds(ctx: TickContext, outcome: TickOutcome) -> None:
    """The tick's system: the fights' rounds that are due."""
    arena = _arena(ctx)
    combat_rounds(arena)
    outcome.events += arena.events
