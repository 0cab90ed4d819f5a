from mythos_game.domain.commands.base import CommandSpec, Context, Outcome
from mythos_game.domain.item_views import carried_weight
from mythos_game.domain.items import slot_text
from mythos_game.domain.possessions import holder, inventory_update, max_weight, pounds


def run(ctx: Context, args: list[str]) -> Outcome:
    who = holder(ctx.actor)
    carried = ctx.state.carried_by(who)
    worn = ctx.state.worn_by(who)
    most = ctx.rules.inventory_slots
    weight = f"{pounds(carried_weight(ctx.state, who))} of {pounds(max_weight(ctx.actor))} lb"
    if carried:
        lines = [f"You carry {len(carried)} of {most} things, {weight}:"]
        lines += [f"  {item.name}" for item in carried]
    else:
        lines = [f"You carry nothing (0 of {most} things, {weight})."]
    if worn:
        lines.append("You wear and wield:")
        lines += [f"  {slot_text(slot)}: {item.name}" for slot, item in worn.items()]
    else:
        lines.append("You wear and wield nothing.")
    return Outcome(True, "\n".join(lines), [inventory_update(ctx, ctx.actor)])


SPEC = CommandSpec(
    name="inventory",
    aliases=("i", "inv"),
    category="Items",
    usage="inventory",
    summary="List what you carry and what you wear and wield.",
    details=(
        "You may carry GAME_INVENTORY_SLOTS things (20), worn ones apart, and as many "
        "pounds as your strength allows (STR // 2 + 10: 35 lb for the standard "
        "investigator), worn ones included."
    ),
    run=run,
)
