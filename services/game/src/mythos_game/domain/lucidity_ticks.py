"""Lucidity on the game clock (§2.7 steps 8 and 9): the lucidity minute (places drain or
steady a mind, catatonic minds drift deeper, the floor sends one to the sanitarium) and
hallucinations. Both are rows of ``ticks.SYSTEMS``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mythos_game.domain import hallucinations, lucidity
from mythos_game.domain.breakdown import fallout
from mythos_game.domain.roster import Player

if TYPE_CHECKING:
    from mythos_game.domain.ticks import TickContext, TickOutcome


def _in_world(ctx: TickContext) -> list[Player]:
    """Every character in the world (link-dead ones too), in a stable order."""
    return sorted(ctx.roster.online(), key=lambda p: p.id)


def lucidity_minute(ctx: TickContext, outcome: TickOutcome) -> None:
    """Once every ``lucidity_flux_ticks``: a catatonic mind drifts 1 lower wherever it
    is; any other living mind adds its room's ``lucidity_per_minute`` to its balance and
    takes the whole points due."""
    if ctx.tick % ctx.rules.lucidity_flux_ticks != 0:
        return
    players = _in_world(ctx)
    present = {p.character.id for p in players}
    for gone in [cid for cid in ctx.state.ambience if cid not in present]:
        del ctx.state.ambience[gone]  # the balance is not kept for those who left
    for player in players:
        character = player.character
        if character.condition == "dead":
            continue
        if character.tier == "catatonic":
            change = lucidity.shift(
                character,
                lucidity.CATATONIC_DRIFT,
                ctx.status,
                "catatonia",
                lucidity.DRIFT_TEXT,
                ctx.now,
            )
        else:
            rate = ctx.world.room(player.room_id).lucidity_per_minute
            if not rate:
                continue
            balance, points = lucidity.accrue(ctx.state.ambience.get(character.id, 0.0), rate)
            ctx.state.ambience[character.id] = balance
            if not points:
                continue
            text = lucidity.ambience_text(points)
            change = lucidity.shift(character, points, ctx.status, "ambience", text, ctx.now)
        outcome.events += fallout(
            ctx.world, ctx.roster, ctx.state, player, change, ctx.status, ctx.now
        )
        if change.at_floor:
            outcome.changed(player)  # moved to the ward: the player's room is stored


def hallucinate(ctx: TickContext, outcome: TickOutcome) -> None:
    """Fractured and deranged minds may see something, each on its own period.

    Only the minds whose tier's period falls on this tick roll (``on_clock``), so the
    others are passed over before the sort: the same rolls in the same order, and a tick
    on no tier's period costs nothing, however many are in the world."""
    due = hallucinations.due_on(ctx.tick)
    if not due:
        return
    mode = ctx.rules.lucidity_random_effects
    minds = [
        player
        for player in ctx.roster.online()
        if player.character.tier in due and player.character.condition != "dead"
    ]
    for player in sorted(minds, key=lambda p: p.id):
        seen = hallucinations.on_clock(player.character.tier, ctx.tick, ctx.rng, mode)
        if seen is not None:
            outcome.events.append(hallucinations.told_to(player.id, seen))
