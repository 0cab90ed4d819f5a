from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.items import Item
from mythos_game.domain.possessions import (
    full_hands,
    handling,
    holder,
    inventory_update,
    joined,
    named,
    room_item_event,
)

USAGE = "equip <item>"


def run(ctx: Context, args: list[str]) -> Outcome:
    word = " ".join(args).strip()
    if not word:
        return refused(f"Equip what? Usage: {USAGE}")
    who = holder(ctx.actor)
    found = named(ctx.state.carried_by(who), word)
    if not found or word.lower() == "all" or word.lower().startswith("all."):
        return refused(f"You are not carrying any '{word}'.")
    (item,) = found
    slots = item.prototype.slots
    if not slots:
        return refused(f"You cannot wield or wear {item.name}.")
    worn = ctx.state.worn_by(who)
    old: list[Item] = []
    for slot in slots:
        taken = worn.get(slot)
        if taken is not None and all(o.id != taken.id for o in old):
            old.append(taken)
    # The new thing leaves the pack, the old ones come back into it.
    why = full_hands(ctx, len(old) - 1)
    if why is not None:
        return refused(why)
    events = []
    for thing in old:
        first = ctx.state.place_of(thing.id).slot
        ctx.state.give_to(who, thing)
        text = f"{ctx.actor.name} {handling(thing).stops} {thing.name}."
        events.append(room_item_event(ctx, "unequip", thing, text, slot=first))
    ctx.state.wear(who, slots, item)
    how = handling(item)
    text = f"{ctx.actor.name} {how.verb}s {item.name}."
    events.append(room_item_event(ctx, "equip", item, text, slot=slots[0]))
    events.append(inventory_update(ctx, ctx.actor))
    if old:
        put = joined([o.name for o in old])
        return Outcome(True, f"You {how.put_away} {put} and {how.verb} {item.name}.", events)
    return Outcome(True, f"You {how.verb} {item.name}.", events)


SPEC = CommandSpec(
    name="equip",
    aliases=("wield", "wear", "hold"),
    category="Items",
    usage=USAGE,
    summary="Wield a weapon, wear armour or hold a thing you carry.",
    details=(
        "Slots: head, body, hands, feet, neck, main hand, off hand. Whatever already fills "
        "the slot goes back into your pack; a two-handed weapon fills both hands. Worn "
        "things do not count toward the things you may carry, but their weight does."
    ),
    examples=("wield stick", "wear coat", "hold lantern"),
    run=run,
)
