from mythos_contracts.events import ItemEventData

from mythos_game.domain.commands.attack import arena_of
from mythos_game.domain.commands.base import (
    AuditEntry,
    CommandSpec,
    Context,
    Outcome,
    admin_only,
)
from mythos_game.domain.fighting import end_fights_in
from mythos_game.domain.item_views import item_view
from mythos_game.domain.npc_life import npcs_in, remove_npc
from mythos_game.domain.outgoing import Outgoing, ToRoom
from mythos_game.domain.possessions import combatant, title


@admin_only("purge")
def run(ctx: Context, args: list[str]) -> Outcome:
    room_id = ctx.actor.room_id
    others = ToRoom(room_id, frozenset({ctx.actor.id}))
    arena = arena_of(ctx)
    end_fights_in(arena, room_id)  # each character in the room's fight is told it is over
    events: list[Outgoing] = list(arena.events)
    creatures = npcs_in(ctx.state, room_id)
    for npc in creatures:
        events.append(remove_npc(ctx.state, npc, "purged"))
    things = ctx.state.floor(room_id)
    for item in things:
        ctx.state.destroy(item)
        data = ItemEventData(
            action="purge",
            actor=combatant(ctx.actor),
            item=item_view(item),
            text=f"{title(item.name)} is gone.",
        )
        events.append(Outgoing("item_event", others, data, room_id))
    text = f"You purge the room: {len(creatures)} creatures and {len(things)} things are gone."
    audit = [AuditEntry("purge", room_id, f"creatures={len(creatures)} things={len(things)}")]
    return Outcome(True, text, events, audit=audit)


SPEC = CommandSpec(
    name="purge",
    category="Admin",
    usage="purge",
    summary="Remove every creature and every thing on the floor of your room.",
    details=(
        "A fight in the room ends. The things are destroyed for good; the room's spawn "
        "rules bring theirs back in time."
    ),
    admin=True,
    run=run,
)
