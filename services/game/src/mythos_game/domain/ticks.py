"""One tick of the game clock: the timed systems, in the order of the design (§2.7).

``run_tick`` runs each system of ``SYSTEMS`` in turn on the same state; their events
keep that order in every stream. A system is a plain function of the tick's context
that appends to the tick's outcome, so adding one is adding a row to the table. A
system that acts on rooms or NPCs by itself acts only where ``TickContext.owns`` says
this shard runs the world (the zones it owns now); the characters' systems act on the
players the shard holds.
Link-dead expiry runs before them (in the service layer, which owns the links), and the
``game_tick`` broadcast after them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from mythos_game.domain import fighting, lucidity_ticks, npc_life, wounds
from mythos_game.domain.floor_decay import decay_floors
from mythos_game.domain.game_state import GameState
from mythos_game.domain.links import LinkView, NoLinks
from mythos_game.domain.outgoing import Outgoing
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import Rules
from mythos_game.domain.spawning import run_spawn_rules
from mythos_game.domain.status import StatusLedger
from mythos_game.domain.world import RoomTest, World, every_room


@dataclass
class TickContext:
    world: World
    roster: Roster
    state: GameState
    tick: int
    """The tick's number, from 1 at game start."""
    now: float
    """Wall-clock time of the tick (epoch seconds)."""
    rng: random.Random
    rules: Rules = field(default_factory=Rules)
    links: LinkView = field(default_factory=NoLinks)
    status: StatusLedger = field(default_factory=StatusLedger)
    """Causes of status changes in this tick (note before changing): each noted character
    gets one ``status_update`` after the tick's other events, and is saved."""
    owns: RoomTest = every_room
    """Whether this shard owns a room's zone now: what the game does to the world by
    itself (spawn rules, floor decay, NPCs, their fights) happens only in such rooms."""


@dataclass
class TickOutcome:
    events: list[Outgoing] = field(default_factory=list)
    changed_players: list[Player] = field(default_factory=list)
    """Characters whose stored state changed (each saved once, after the tick). Items
    note their own changes in ``GameState``."""

    def changed(self, player: Player) -> None:
        if all(p is not player for p in self.changed_players):
            self.changed_players.append(player)


System = Callable[[TickContext, TickOutcome], None]

SYSTEMS: tuple[tuple[str, System], ...] = (
    # 1. link-dead expiry: before these, in Sessions.tick.
    ("spawn rules", run_spawn_rules),
    ("floor decay", decay_floors),
    ("npc wandering", npc_life.wander),
    ("hostile engaging", fighting.engaging),
    ("combat rounds", fighting.rounds),
    ("bleeding", wounds.bleeding),
    ("regeneration", wounds.regeneration),
    ("lucidity minute", lucidity_ticks.lucidity_minute),
    ("hallucinations", lucidity_ticks.hallucinate),
    ("auto-respawn", wounds.auto_respawn),
    # 11. the game_tick broadcast: after these, in Dispatcher.tick.
)
"""The timed systems, by name, in the order they run within a tick."""


def run_tick(ctx: TickContext, systems: tuple[tuple[str, System], ...] = SYSTEMS) -> TickOutcome:
    outcome = TickOutcome()
    for _, system in systems:
        system(ctx, outcome)
    return outcome
