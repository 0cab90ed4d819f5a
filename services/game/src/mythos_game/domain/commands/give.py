from mythos_contracts.events import ItemEventData

from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.item_views import item_view
from mythos_game.domain.items import parse_target, select
from mythos_game.domain.npc_life import npcs_in
from mythos_game.domain.outgoing import Outgoing, ToPlayer, ToRoom
from mythos_game.domain.possessions import (
    combatant,
    holder,
    inventory_update,
    named,
    refuse_carry,
    title,
)

USAGE = "give <item> [to] <player>"


def run(ctx: Context, args: list[str]) -> Outcome:
    if len(args) >= 3 and args[-2].lower() == "to":
        words, name = args[:-2], args[-1]
    elif len(args) >= 2:
        words, name = args[:-1], args[-1]
    else:
        return refused(f"Give what to whom? Usage: {USAGE}")
    word = " ".join(words)
    room_id = ctx.actor.room_id
    recipient = next(
        (p for p in ctx.roster.in_room(room_id) if p.name.lower() == name.lower()), None
    )
    if recipient is None:
        target = parse_target(name)
        creatures = select(npcs_in(ctx.state, room_id), target) if target else []
        if creatures:
            return refused(f"{title(creatures[0].name)} does not want it.")
        return refused(f"You see no one called '{name}' here.")
    if recipient.id == ctx.actor.id:
        return refused("You already have it.")
    found = named(ctx.state.carried_by(holder(ctx.actor)), word)
    if not found or word.lower() == "all" or word.lower().startswith("all."):
        return refused(f"You are not carrying any '{word}'.")
    (item,) = found
    taker = recipient.character
    if taker.condition != "healthy" or taker.tier == "catatonic":
        return refused(f"{recipient.name} cannot take anything right now.")
    if refuse_carry(ctx.state, recipient, item, ctx.rules) is not None:
        return refused(f"{recipient.name} cannot carry {item.name}.")
    if "no_give" in item.prototype.flags:
        return refused(f"{title(item.name)} cannot be given away.")
    ctx.state.give_to(holder(recipient), item)

    def told(text: str) -> ItemEventData:
        return ItemEventData(
            action="give",
            actor=combatant(ctx.actor),
            item=item_view(item),
            target=combatant(recipient),
            text=text,
        )

    both = frozenset({ctx.actor.id, recipient.id})
    events = [
        inventory_update(ctx, ctx.actor),
        Outgoing(
            "item_event",
            ToPlayer(recipient.id),
            told(f"{ctx.actor.name} gives you {item.name}."),
            room_id,
        ),
        inventory_update(ctx, recipient),
        Outgoing(
            "item_event",
            ToRoom(room_id, both),
            told(f"{ctx.actor.name} gives {item.name} to {recipient.name}."),
            room_id,
        ),
    ]
    return Outcome(True, f"You give {item.name} to {recipient.name}.", events)


SPEC = CommandSpec(
    name="give",
    category="Items",
    usage=USAGE,
    summary="Hand something you carry to another player in the room.",
    details=(
        "They must be able to carry it (weight and number of things). Some things cannot "
        "be given away. There is no asking: it is theirs at once."
    ),
    examples=("give lantern to Bob", "give 2.paper Bob"),
    run=run,
)
