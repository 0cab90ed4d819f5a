from mythos_game.domain.commands.base import (
    AuditEntry,
    CommandSpec,
    Context,
    Outcome,
    admin_only,
    refused,
)
from mythos_game.domain.items import Item
from mythos_game.domain.npc_life import spawn_npc
from mythos_game.domain.possessions import combatant
from mythos_game.domain.spawning import appeared

MAX_COUNT = 10


@admin_only("spawn")
def run(ctx: Context, args: list[str]) -> Outcome:
    if not 1 <= len(args) <= 2:
        return refused("Usage: spawn <id> [count]")
    wanted = args[0].lower()
    count = 1
    if len(args) == 2:
        if not args[1].isdigit() or not 1 <= int(args[1]) <= MAX_COUNT:
            return refused(f"The count must be a whole number from 1 to {MAX_COUNT}.")
        count = int(args[1])
    room_id = ctx.actor.room_id
    audit = [AuditEntry("spawn", wanted, f"count={count} room={room_id}")]
    definition = ctx.world.npcs.get(wanted)
    if definition is not None:
        events = []
        for _ in range(count):
            # No spawn rule made it, so it never comes back once gone.
            _, entered = spawn_npc(ctx.state, ctx.world, definition, room_id, tick=ctx.tick)
            events.append(entered)
        text = f"You call forth {_counted(count, definition.name)}."
        return Outcome(True, text, events, audit=audit)
    prototype = ctx.world.items.get(wanted)
    if prototype is None:
        return refused(f"There is no item or creature called '{args[0]}'.")
    if len(ctx.state.floors.get(room_id, ())) + count > ctx.rules.room_items_max:
        return refused("There is no room left here for that.")
    me = combatant(ctx.actor)
    myself = frozenset({ctx.actor.id})
    events = []
    for _ in range(count):
        item = Item(ctx.state.new_id(), prototype)
        ctx.state.put_on_floor(room_id, item)
        events.append(appeared(item, room_id, actor=me, exclude=myself))
    return Outcome(True, f"You conjure {_counted(count, prototype.name)}.", events, audit=audit)


def _counted(count: int, name: str) -> str:
    return name if count == 1 else f"{count} × {name}"  # noqa: RUF001 - the designed sign


SPEC = CommandSpec(
    name="spawn",
    category="Admin",
    usage="spawn <id> [count]",
    summary="Make items or creatures appear in your room.",
    details=(
        "The id is an item's or a creature's (world/items, world/npcs); count is 1 to 10. "
        "Items land on the floor; creatures made this way never come back once gone. "
        "Hostile creatures never attack admins first."
    ),
    examples=("spawn brass-lantern", "spawn ghoul", "spawn stray-cat 3"),
    admin=True,
    run=run,
)
