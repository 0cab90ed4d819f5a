"""Spawn rules (resets): each room's ``spawns`` keep up to ``max`` items or NPCs of one
prototype coming back (§4.10).

A rule's id is ``{room_id}/{index}``. At game start, after the floors were loaded from
storage, ``fill_spawns`` fills every rule to ``max`` at once. Afterwards, on each tick,
a rule below ``max`` runs a timer of ``period x GAME_SPAWN_PERIOD_SCALE``; when it
expires one item or NPC appears, and the timer starts again while the rule is short.

What a rule counts and how its thing appears depends on its kind: ``SPAWN_KINDS`` maps
``item`` (and ``npc``, registered by the NPC rules) to a ``SpawnKind``. A rule of a kind
nobody registered is left alone.

A shard fills and runs only the rules of the rooms it owns (``TickContext.owns``); the
timers of the others are left as they are (a zone moved away takes them along).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mythos_contracts.events import Combatant, ItemEventData

from mythos_game.domain import npc_life
from mythos_game.domain.item_views import item_view
from mythos_game.domain.items import Item
from mythos_game.domain.npcs import capitalized
from mythos_game.domain.outgoing import Outgoing, ToRoom
from mythos_game.domain.world import Room, SpawnRule

if TYPE_CHECKING:
    from mythos_game.domain.ticks import TickContext, TickOutcome


@dataclass(frozen=True)
class SpawnKind:
    count: Callable[[TickContext, Room, SpawnRule], int]
    """How many of the rule's things exist now."""
    spawn: Callable[[TickContext, Room, SpawnRule, TickOutcome], bool]
    """Make one (its events into the outcome); False when it cannot now (the timer
    starts again)."""
    period: Callable[[TickContext, SpawnRule], float] = lambda ctx, rule: rule.every_seconds
    """Seconds between two appearances, before ``GAME_SPAWN_PERIOD_SCALE``."""


def _count_items(ctx: TickContext, room: Room, rule: SpawnRule) -> int:
    return ctx.state.count_origin(room.id, rule.id)


def _spawn_item(ctx: TickContext, room: Room, rule: SpawnRule, outcome: TickOutcome) -> bool:
    if len(ctx.state.floors.get(room.id, ())) >= ctx.rules.room_items_max:
        return False
    item = Item(ctx.state.new_id(), ctx.world.items[rule.prototype], origin=rule.id)
    ctx.state.put_on_floor(room.id, item)
    outcome.events.append(appeared(item, room.id))
    return True


def appeared(
    item: Item,
    room_id: str,
    actor: Combatant | None = None,
    exclude: frozenset[str] = frozenset(),
) -> Outgoing:
    """The room's ``item_event`` for an item put on its floor by a spawn rule, or by an
    admin (``actor``; ``exclude`` their stream: they read the command's response)."""
    data = ItemEventData(
        action="spawn",
        actor=actor,
        item=item_view(item),
        text=f"{capitalized(item.name)} appears.",
    )
    return Outgoing("item_event", ToRoom(room_id, exclude), data, room_id)


SPAWN_KINDS: dict[str, SpawnKind] = {
    "item": SpawnKind(_count_items, _spawn_item),
    # NPCs count alive anywhere; the period is the NPC's respawn_seconds when it has one.
    "npc": SpawnKind(npc_life.count_rule, npc_life.spawn_rule, npc_life.rule_period),
}
"""Rule kind -> how it counts and spawns."""


def _rules(
    ctx: TickContext, zone: str | None = None
) -> Iterator[tuple[Room, SpawnRule, SpawnKind]]:
    """The rules of the rooms this shard owns (of ``zone`` only, when given)."""
    for room_id in sorted(ctx.world.rooms):
        room = ctx.world.rooms[room_id]
        if not room.spawns or not ctx.owns(room_id):
            continue  # another shard's: it fills them and keeps their timers
        if zone is not None and room.zone_id != zone:
            continue
        for rule in room.spawns:
            kind = SPAWN_KINDS.get(rule.kind)
            if kind is not None:
                yield room, rule, kind


def _fill(
    ctx: TickContext, outcome: TickOutcome, zone: str | None, kinds: frozenset[str] | None
) -> None:
    for room, rule, kind in _rules(ctx, zone):
        if kinds is not None and rule.kind not in kinds:
            continue
        for _ in range(rule.max - kind.count(ctx, room, rule)):
            if not kind.spawn(ctx, room, rule, outcome):
                break


def fill_spawns(ctx: TickContext, outcome: TickOutcome) -> None:
    """At start, once the stored floor items are in ``ctx.state``: fill every rule to
    ``max`` (counting what is already there, so a restart duplicates nothing)."""
    _fill(ctx, outcome, None, None)
    ctx.state.spawns_started = True
    run_spawn_rules(ctx, outcome)  # timers for the rules that could not be filled


def run_spawn_rules(ctx: TickContext, outcome: TickOutcome) -> None:
    """The tick's system: start, run out and restart the timers of short rules."""
    state = ctx.state
    if not state.spawns_started:
        return  # the floors are not loaded yet: counting now could duplicate items
    for room, rule, kind in _rules(ctx):
        if kind.count(ctx, room, rule) >= rule.max:
            state.spawn_due.pop(rule.id, None)
            continue
        due = state.spawn_due.get(rule.id)
        if due is not None and ctx.now >= due:
            kind.spawn(ctx, room, rule, outcome)
            due = None
            if kind.count(ctx, room, rule) >= rule.max:
                state.spawn_due.pop(rule.id, None)
                continue
        if due is None:
            period = kind.period(ctx, rule) * ctx.rules.spawn_period_scale
            state.spawn_due[rule.id] = ctx.now + period
