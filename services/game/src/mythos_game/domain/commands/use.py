from mythos_game.domain import lucidity
from mythos_game.domain.breakdown import fallout
from mythos_game.domain.character import LUCIDITY_MAX, LUCIDITY_MIN
from mythos_game.domain.characters import DP_DEATH
from mythos_game.domain.combat_text import conjugate
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.lucidity import Shift
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
    character = ctx.actor.character
    if lucidity.misfires(character.tier, ctx.rng, ctx.rules.lucidity_random_effects):
        return refused(lucidity.MISFIRE_TEXT)
    ctx.state.destroy(item)
    change: Shift | None = None
    if consumable.dp or consumable.mp or consumable.lucidity:
        ctx.status.note(character, "item", consumable.message)
        character.dp = _toward(character.dp, consumable.dp, DP_DEATH, character.max_dp)
        character.mp = _toward(character.mp, consumable.mp, 0, character.max_mp)
        value = _toward(character.lucidity, consumable.lucidity, LUCIDITY_MIN, LUCIDITY_MAX)
        change = lucidity.set_to(character, value, ctx.status, "item", None, ctx.now)
    verb = consumable.verb
    events = [
        room_item_event(ctx, "use", item, f"{ctx.actor.name} {conjugate(verb)} {item.name}."),
        inventory_update(ctx, ctx.actor),
    ]
    if change is not None:  # a draught that darkens the mind has its consequences too
        events += fallout(ctx.world, ctx.roster, ctx.state, ctx.actor, change, ctx.status, ctx.now)
    return Outcome(True, f"You {verb} {item.name}. {consumable.message}", events)


def _toward(value: int, change: int, lowest: int, highest: int) -> int:
    """``value + change`` kept within ``lowest..highest``; a gain never lowers a value
    already above ``highest``."""
    if change >= 0:
        return max(value, min(highest, value + change))
    return max(lowest, value + change)


SPEC = CommandSpec(
    name="use",
    aliases=("drink", "eat"),
    category="Items",
    usage=USAGE,
    summary="Drink, eat or otherwise use up something you carry.",
    details=(
        "Only consumables can be used; each is gone once used, and its effect applies at "
        "once, up to your maxima. A fractured mind fumbles one use in ten, a deranged one "
        "one in four (the thing is kept)."
    ),
    examples=("drink tonic", "use tonic"),
    run=run,
)
