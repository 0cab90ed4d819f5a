from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.items import Item
from mythos_game.domain.possessions import holder, inventory_update, named, room_item_event

USAGE = "drop <item> | all | all.<item>"
FLOOR_FULL = "There is no room left here to drop anything."


def _clinging(item: Item) -> str:
    return f"You cannot bring yourself to let go of {item.name}."


def run(ctx: Context, args: list[str]) -> Outcome:
    text = " ".join(args).strip()
    if not text:
        return refused(f"Drop what? Usage: {USAGE}")
    who = holder(ctx.actor)
    carried = ctx.state.carried_by(who)
    every = text.lower() == "all" or text.lower().startswith("all.")
    found = named(carried, text)
    if not found:
        if every and not carried:
            return refused("You carry nothing to drop.")
        word = text.partition(".")[2] if every else text
        worn = named(ctx.state.worn_items(who), word)
        if worn:
            return refused(f"You must remove {worn[0].name} before you drop it.")
        return refused(f"You are not carrying any '{word}'.")
    room_id = ctx.actor.room_id
    room_left = ctx.rules.room_items_max - len(ctx.state.floor(room_id))
    if not every:
        (item,) = found
        if "no_drop" in item.prototype.flags:
            return refused(_clinging(item))
        if room_left <= 0:
            return refused(FLOOR_FULL)
        return _dropped(ctx, [item], f"You drop {item.name}.")
    dropped: list[Item] = []
    kept: list[str] = []
    for item in found:
        if "no_drop" in item.prototype.flags:
            kept.append(_clinging(item))
        elif len(dropped) >= room_left:
            kept.append(FLOOR_FULL)
            break
        else:
            dropped.append(item)
    if not dropped:
        return refused("\n".join(kept))
    text = f"You drop {', '.join(i.name for i in dropped)}."
    return _dropped(ctx, dropped, "\n".join([text, *kept]))


def _dropped(ctx: Context, items: list[Item], text: str) -> Outcome:
    events = []
    for item in items:
        ctx.state.put_on_floor(ctx.actor.room_id, item)
        events.append(room_item_event(ctx, "drop", item, f"{ctx.actor.name} drops {item.name}."))
    events.append(inventory_update(ctx, ctx.actor))
    return Outcome(True, text, events)


SPEC = CommandSpec(
    name="drop",
    category="Items",
    usage=USAGE,
    summary="Put down something you carry, or everything.",
    details=(
        "Name it by a word of its name; 'all.paper' drops every match. Worn things must be "
        "removed first. A room's floor holds GAME_ROOM_ITEMS_MAX things (50)."
    ),
    examples=("drop lantern", "drop all"),
    run=run,
)
