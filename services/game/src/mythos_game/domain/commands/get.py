from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.items import Item
from mythos_game.domain.possessions import (
    holder,
    inventory_update,
    named,
    refuse_carry,
    room_item_event,
)

USAGE = "get <item> | all | all.<item>"


def run(ctx: Context, args: list[str]) -> Outcome:
    text = " ".join(args).strip()
    if not text:
        return refused(f"Get what? Usage: {USAGE}")
    floor = ctx.state.floor(ctx.actor.room_id)
    every = text.lower() == "all" or text.lower().startswith("all.")
    if every and not floor:
        return refused("There is nothing here to pick up.")
    found = named(floor, text)
    if not found:
        word = text.partition(".")[2] if every else text
        return refused(f"You see no '{word}' here.")
    if not every:
        (item,) = found
        why = refuse_carry(ctx.state, ctx.actor, item, ctx.rules)
        if why is not None:
            return refused(why.text)
        ctx.state.give_to(holder(ctx.actor), item)
        return _told(ctx, [item], f"You pick up {item.name}.")
    taken: list[Item] = []
    left: list[str] = []
    for item in found:
        why = refuse_carry(ctx.state, ctx.actor, item, ctx.rules)
        if why is None:
            taken.append(item)
            ctx.state.give_to(holder(ctx.actor), item)
        else:
            left.append(f"You leave {item.name} ({why.short}).")
    if not taken:
        return refused("\n".join(left))
    text = f"You pick up {', '.join(i.name for i in taken)}."
    return _told(ctx, taken, "\n".join([text, *left]))


def _told(ctx: Context, items: list[Item], text: str) -> Outcome:
    """The room hears of each item taken; the taker gets their inventory."""
    events = []
    for item in items:
        events.append(room_item_event(ctx, "get", item, f"{ctx.actor.name} picks up {item.name}."))
    events.append(inventory_update(ctx, ctx.actor))
    return Outcome(True, text, events)


SPEC = CommandSpec(
    name="get",
    aliases=("take",),
    category="Items",
    usage=USAGE,
    summary="Pick up something that lies here, or everything.",
    details=(
        "Name it by a word of its name ('get lantern'); '2.paper' is the second match, "
        "'all.paper' every match. Too heavy a thing, or one more than you may carry, is "
        "left where it lies."
    ),
    examples=("get lantern", "take 2.paper", "get all"),
    run=run,
)
