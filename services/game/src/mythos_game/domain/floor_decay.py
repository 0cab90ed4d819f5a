"""Things players leave lying about do not last: an item on a floor that no spawn rule
put there is gone after ``GAME_FLOOR_ITEM_HOURS`` (a spawn rule's own stock stays).

How long an item has lain is kept in memory only, from the first tick that sees it on
the floor; after a game restart the count starts again (§10.1 keeps no timers). A shard
decays only the floors of the rooms it owns: another shard's items are its own to keep
or destroy (a zone that moves takes its items' clocks along: ``zone_state``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mythos_contracts.events import ItemEventData

from mythos_game.domain.item_views import item_view
from mythos_game.domain.npcs import capitalized
from mythos_game.domain.outgoing import Outgoing, ToRoom

if TYPE_CHECKING:
    from mythos_game.domain.ticks import TickContext, TickOutcome


def decay_floors(ctx: TickContext, outcome: TickOutcome) -> None:
    """The tick's system: destroy what players left on a floor long enough ago."""
    state = ctx.state
    hours = ctx.rules.floor_item_hours
    if hours <= 0:
        return  # 0: things lie for ever
    since = state.floor_since
    lying: set[str] = set()
    for room_id in sorted(state.floors):
        if not ctx.owns(room_id):
            # Another shard's room (a zone moved away, not yet taken out): its clocks
            # are kept as they are, for the zone's state.
            lying.update(item.id for item in state.floor(room_id) if item.id in since)
            continue
        for item in state.floor(room_id):
            if item.origin is not None:
                continue
            first = since.setdefault(item.id, ctx.now)
            if ctx.now - first < hours * 3600:
                lying.add(item.id)
                continue
            state.destroy(item)
            data = ItemEventData(
                action="decay",
                actor=None,
                item=item_view(item),
                text=f"{capitalized(item.name)} is gone.",
            )
            outcome.events.append(Outgoing("item_event", ToRoom(room_id), data, room_id))
    for item_id in set(since) - lying:
        del since[item_id]  # picked up, or gone: counted afresh if it lands again
