"""Wounds: bleeding, death, respawn and regeneration of characters (§7). Pure rules, no I/O.

A character at DP 0 or below is bleeding (the condition follows DP); every
``bleed_ticks`` they lose 1 DP, and at -10 they die where they lie. The dead come back
at the world's respawn room with ``respawn``, or by themselves after
``auto_respawn_seconds`` in the world. Healthy characters out of combat regain DP and
MP. Every change of vitals is noted in the status ledger first (one ``status_update``
per character per command or tick).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mythos_contracts.events import Combatant, RoomMessageData

from mythos_game.domain import npc_life
from mythos_game.domain.breakdown import witnesses_of_death
from mythos_game.domain.characters import DP_DEATH, Character, condition_of
from mythos_game.domain.combat import Died
from mythos_game.domain.combat_text import combat_events
from mythos_game.domain.game_state import GameState
from mythos_game.domain.movement import move_player
from mythos_game.domain.outgoing import Outgoing, ToRoom
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import Rules
from mythos_game.domain.status import StatusLedger
from mythos_game.domain.world import World

if TYPE_CHECKING:
    from mythos_game.domain.ticks import TickContext, TickOutcome


def me(character: Character) -> Combatant:
    return Combatant(id=character.id, name=character.name, kind="player")


def died_here(
    world: World,
    roster: Roster,
    state: GameState,
    ledger: StatusLedger,
    dead: Player,
    now: float,
) -> list[Outgoing]:
    """A character died outside any fight (bled out): everyone in the room is told, and
    every other character there who can be shaken loses lucidity."""
    character = dead.character
    if character.died_at is None:
        character.died_at = now
    events = combat_events(
        [Died(me(character), None)],
        dead.room_id,
        None,
        0,
        lambda cid: _account(roster, cid),
        lambda who: f"{who.name} dies.",
    )
    return events + witnesses_of_death(world, roster, state, dead, ledger, now)


def _account(roster: Roster, character_id: str) -> str | None:
    player = next((p for p in roster.online() if p.character.id == character_id), None)
    return player.id if player is not None else None


def respawn(
    world: World,
    roster: Roster,
    state: GameState,
    rules: Rules,
    ledger: StatusLedger,
    player: Player,
    now: float,
) -> tuple[list[Outgoing], str]:
    """Bring a dead character back at the respawn room with full DP and MP (lucidity, XP
    and items unchanged): the moves, the respawn room's line, and the line they read."""
    character = player.character
    room = world.room(world.respawn_room)
    text = f"You come to in {room.name}, alive."
    ledger.note(character, "respawn", text)
    character.dp = character.max_dp
    character.mp = character.max_mp
    character.fell_at = character.died_at = None
    state.dead_since.pop(character.id, None)
    state.wards[character.id] = now + rules.arrival_ward_seconds
    events = move_player(world, roster, player, room.id, state)
    line = RoomMessageData(
        kind="respawn",
        actor=me(character),
        target=None,
        text=f"{player.name} stumbles in, pale and shaking.",
    )
    # After player_entered, and before the mover's own room_update.
    events.insert(
        2, Outgoing("room_message", ToRoom(room.id, frozenset({player.id})), line, room.id)
    )
    return events, text


# -- the tick's systems ---------------------------------------------------------------


def bleeding(ctx: TickContext, outcome: TickOutcome) -> None:
    """Every ``bleed_ticks`` a bleeding character loses 1 DP (link-dead ones too); at -10
    they die."""
    counters = ctx.state.bleed_ticks
    for player in ctx.roster.online():
        character = player.character
        if condition_of(character.dp) != "bleeding":
            if counters:
                counters.pop(character.id, None)
            continue
        counters[character.id] = counters.get(character.id, 0) + 1
        if counters[character.id] < ctx.rules.bleed_ticks:
            continue
        counters[character.id] = 0
        dp = max(DP_DEATH, character.dp - 1)
        ctx.status.note(character, "bleeding", f"You are bleeding. ({dp}/{character.max_dp} DP)")
        character.dp = dp
        if dp <= DP_DEATH:
            counters.pop(character.id, None)
            outcome.events += died_here(
                ctx.world, ctx.roster, ctx.state, ctx.status, player, ctx.now
            )
        outcome.changed(player)


def regenerate(ctx: TickContext, outcome: TickOutcome) -> None:
    """Healthy characters out of combat regain 1 DP every ``dp_regen_ticks`` and 1 MP every
    ``mp_regen_ticks``, up to their maxima.

    Runs for every character every tick, so a character with nothing to regain costs
    one look: its count is dropped (``(0, 0)``, what a missing count reads as)."""
    counts = ctx.state.regen_ticks
    dp_period, mp_period = ctx.rules.dp_regen_ticks, ctx.rules.mp_regen_ticks
    for player in ctx.roster.online():
        character = player.character
        key = character.id
        dp, mp = character.dp, character.mp
        derived = character.derived
        if (
            condition_of(dp) != "healthy"
            or character.in_combat
            or (dp >= derived.max_dp and mp >= derived.max_mp)
        ):
            if counts:
                counts.pop(key, None)
            continue
        dp_count, mp_count = counts.get(key, (0, 0))
        dp_count = dp_count + 1 if dp < derived.max_dp else 0
        mp_count = mp_count + 1 if mp < derived.max_mp else 0
        if dp_count >= dp_period:
            ctx.status.note(character, "regen")
            character.dp += 1
            dp_count = 0
        if mp_count >= mp_period:
            ctx.status.note(character, "regen")
            character.mp += 1
            mp_count = 0
        counts[key] = (dp_count, mp_count)


def auto_respawn(ctx: TickContext, outcome: TickOutcome) -> None:
    """The dead come back by themselves after ``auto_respawn_seconds`` in the world."""
    dead_since = ctx.state.dead_since
    for player in ctx.roster.online():
        character = player.character
        if condition_of(character.dp) != "dead":
            if dead_since:
                dead_since.pop(character.id, None)
            continue
        since = dead_since.setdefault(character.id, ctx.now)
        if ctx.now - since >= ctx.rules.auto_respawn_seconds:
            events, _ = respawn(
                ctx.world, ctx.roster, ctx.state, ctx.rules, ctx.status, player, ctx.now
            )
            outcome.events += events
            outcome.changed(player)


def regeneration(ctx: TickContext, outcome: TickOutcome) -> None:
    """The tick's system: characters and NPCs out of combat heal."""
    regenerate(ctx, outcome)
    npc_life.regenerate(ctx, outcome)
