from mythos_game.domain.admin import online, system_line
from mythos_game.domain.commands.base import (
    AuditEntry,
    CommandSpec,
    Context,
    Outcome,
    admin_only,
    refused,
)


@admin_only("unmute")
def run(ctx: Context, args: list[str]) -> Outcome:
    if len(args) != 1:
        return refused("Usage: unmute <player>")
    player = online(ctx, args[0])
    if isinstance(player, Outcome):
        return player
    if player.muted_for(ctx.now) <= 0:
        return refused(f"{player.name} is not muted.")
    player.muted_until = None
    player.version += 1
    notice = system_line(ctx, player, f"{ctx.actor.name} has lifted your mute: you may speak.")
    return Outcome(
        True,
        f"{player.name} may speak again.",
        [notice],
        changed_players=[player],
        audit=[AuditEntry("unmute", player.name)],
    )


SPEC = CommandSpec(
    name="unmute",
    category="Admin",
    usage="unmute <player>",
    summary="Let a muted player speak again.",
    examples=("unmute Bob",),
    admin=True,
    run=run,
)
