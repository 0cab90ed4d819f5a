from mythos_game.domain.combat_text import conjugate
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.possessions import holder, inventory_update, named, room_item_event

USAGE = "use <item>"


def run(ctx: Context, args: list[str]) -> Outcome:
    word = " ".join(args).strip()
    if not word:
        return refused(f"Use what? Usage: {USAGE}")
    found = named(ctx.state.carried_by(holder(ctx.actor)), word)
    if not found or word.lower() == "all" or word.lower().startswith("all."):
        return refused(f"You are not carrying any '{word}'.")
    (item,) = found
    consumable = item.prototype.consumable
    if consumable is None:
        return refused(f"You cannot use {item.name} that way.")
    ctx.state.destroy(item)
    verb = consumable.verb
    events = [
        room_item_event(ctx, "use", item, f"{ctx.actor.name} {conjugate(verb)} {item.name}."),
        inventory_update(ctx, ctx.actor),
    ]
    return Outcome(True, f"You {verb} {item.name}. {consumable.message}", events)


SPEC = CommandSpec(
    name="use",
    aliases=("drink", "eat"),
    category="Items",
    usage=USAGE,
    summary="Drink, eat or otherwise use up something you carry.",
    details="Only consumables can be used; each is gone once used, and its effect applies at once.",
    examples=("drink tonic", "use tonic"),
    run=run,
)
