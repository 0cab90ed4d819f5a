from mythos_game.domain import chat
from mythos_game.domain.admin import online, system_line
from mythos_game.domain.commands.base import (
    AuditEntry,
    CommandSpec,
    Context,
    Outcome,
    admin_only,
    refused,
)


@admin_only("mute")
def run(ctx: Context, args: list[str]) -> Outcome:
    rules = ctx.rules
    if not 1 <= len(args) <= 2:
        return refused("Usage: mute <player> [minutes]")
    minutes = rules.mute_default_minutes
    if len(args) == 2:
        if not args[1].isdigit() or not 1 <= int(args[1]) <= rules.mute_max_minutes:
            return refused(f"Minutes is a whole number from 1 to {rules.mute_max_minutes}.")
        minutes = int(args[1])
    player = online(ctx, args[0])
    if isinstance(player, Outcome):
        return player
    if player.id == ctx.actor.id:
        return refused("You cannot mute yourself.")
    player.muted_until = ctx.now + minutes * 60
    player.version += 1
    span = chat.duration(minutes * 60)
    notice = system_line(
        ctx, player, f"{ctx.actor.name} has muted you for {span}: you cannot speak until then."
    )
    return Outcome(
        True,
        f"{player.name} is muted for {span}.",
        [notice],
        changed_players=[player],
        audit=[AuditEntry("mute", player.name, f"minutes={minutes}")],
    )


SPEC = CommandSpec(
    name="mute",
    category="Admin",
    usage="mute <player> [minutes]",
    summary="Stop a player speaking on every channel for a while (10 minutes unless given).",
    details=(
        "A muted player is told for how long whenever they try to speak. The mute is kept "
        "when they log out and back in. At most 10080 minutes (a week)."
    ),
    examples=("mute Bob", "mute Bob 60"),
    admin=True,
    run=run,
)
