from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.items import SLOTS
from mythos_game.domain.possessions import (
    full_hands,
    handling,
    holder,
    inventory_update,
    named,
    room_item_event,
)

USAGE = "unequip <item> | <slot>"


def run(ctx: Context, args: list[str]) -> Outcome:
    word = " ".join(args).strip()
    if not word:
        return refused(f"Unequip what? Usage: {USAGE}")
    who = holder(ctx.actor)
    slot = word.lower().replace(" ", "_")
    worn = ctx.state.worn_by(who)
    if slot in SLOTS:
        found = [worn[slot]] if slot in worn else []
    else:
        found = named(ctx.state.worn_items(who), word)
    if not found or word.lower() == "all" or word.lower().startswith("all."):
        return refused(f"You are not wearing or wielding any '{word}'.")
    (item,) = found
    why = full_hands(ctx, 1)
    if why is not None:
        return refused(why)
    first = ctx.state.place_of(item.id).slot
    ctx.state.give_to(who, item)
    how = handling(item)
    text = f"{ctx.actor.name} {how.stops} {item.name}."
    events = [
        room_item_event(ctx, "unequip", item, text, slot=first),
        inventory_update(ctx, ctx.actor),
    ]
    return Outcome(True, f"You {how.stop} {item.name}.", events)


SPEC = CommandSpec(
    name="unequip",
    aliases=("remove", "unwield"),
    category="Items",
    usage=USAGE,
    summary="Stop wielding, wearing or holding something; it goes back into your pack.",
    details="Name the thing, or its slot (head, body, hands, feet, neck, main_hand, off_hand).",
    examples=("remove coat", "unwield stick", "unequip off_hand"),
    run=run,
)
