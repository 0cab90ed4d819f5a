from mythos_contracts.close_codes import CloseCode

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
from mythos_game.domain.outgoing import Disconnect

CLOSE_KICKED = CloseCode.KICKED
"""Close code of a kicked connection (docs/commands.md): a client should not reconnect
by itself."""


@admin_only("kick")
def run(ctx: Context, args: list[str]) -> Outcome:
    if not args:
        return refused("Usage: kick <player> [reason]")
    player = online(ctx, args[0])
    if isinstance(player, Outcome):
        return player
    if player.id == ctx.actor.id:
        return refused("You cannot kick yourself; use 'quit'.")
    reason = chat.text_of(args[1:])[:80]
    told = f"{ctx.actor.name} has removed you from the game" + (f": {reason}" if reason else ".")
    return Outcome(
        True,
        f"{player.name} is removed from the game.",
        [system_line(ctx, player, told)],
        disconnects=[Disconnect(player.id, CLOSE_KICKED, "kicked by an admin", leave_world=True)],
        audit=[AuditEntry("kick", player.name, f"reason={reason!r}")],
    )


SPEC = CommandSpec(
    name="kick",
    category="Admin",
    usage="kick <player> [reason]",
    summary="Close a player's connection and take them out of the world at once.",
    details=(
        "They are told who and why, then closed with code 4004; the room sees them leave. "
        "They may log in again."
    ),
    examples=("kick Bob", "kick Bob flooding the square"),
    admin=True,
    run=run,
)
