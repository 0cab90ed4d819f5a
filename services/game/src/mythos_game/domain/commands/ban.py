import re
from datetime import UTC, datetime

from mythos_contracts.accounts import CLOSE_REVOKED, REVOCATION_REASONS, BanRequest

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

_DURATION = re.compile(r"(\d{1,6})([mhd])")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400}
MAX_BAN_DAYS = 3650
USAGE = "ban <player> [duration] [reason]"


def ban_seconds(word: str) -> float | None:
    """``30m``, ``12h``, ``7d`` -> seconds; None when ``word`` is not a duration."""
    match = _DURATION.fullmatch(word.lower())
    if match is None:
        return None
    return int(match[1]) * _UNIT_SECONDS[match[2]]


@admin_only("ban")
def run(ctx: Context, args: list[str]) -> Outcome:
    if not args:
        return refused(f"Usage: {USAGE}")
    if not ctx.can_ban:
        return refused("Bans cannot reach the account service from here; use the admin CLI.")
    rest = args[1:]
    seconds = ban_seconds(rest[0]) if rest else None
    if seconds is not None:
        if not 0 < seconds <= MAX_BAN_DAYS * 86400:
            return refused(f"A ban lasts from 1 minute to {MAX_BAN_DAYS} days.")
        rest = rest[1:]
    player = online(ctx, args[0])
    if isinstance(player, Outcome):
        return player
    if player.id == ctx.actor.id:
        return refused("You cannot ban yourself.")
    reason = chat.text_of(rest)[:80]
    until = None if seconds is None else datetime.fromtimestamp(ctx.now + seconds, UTC)
    span = "until it is lifted" if seconds is None else f"for {chat.duration(seconds)}"
    told = f"{ctx.actor.name} has banned you {span}" + (f": {reason}" if reason else ".")
    return Outcome(
        True,
        f"{player.name} is banned {span} and removed from the game.",
        [system_line(ctx, player, told)],
        disconnects=[Disconnect(player.id, CLOSE_REVOKED, REVOCATION_REASONS["banned"])],
        audit=[AuditEntry("ban", player.name, f"until={until} reason={reason!r}")],
        bans=[
            BanRequest(account_id=player.id, until=until, requested_by=ctx.actor.id, reason=reason)
        ],
    )


SPEC = CommandSpec(
    name="ban",
    category="Admin",
    usage=USAGE,
    summary="Ban a player's account (until lifted, or for a while) and remove them at once.",
    details=(
        "The duration is a number and a unit: m (minutes), h (hours) or d (days), at most "
        f"{MAX_BAN_DAYS} days; without one the ban lasts until lifted with the admin CLI "
        "(python -m mythos_auth.admin unban <name>). They are told who, for how long and why, "
        "then closed with code 4009 and leave the world; every login of their account ends "
        "and they cannot log in until the ban ends. The player must be online: ban others "
        "with the admin CLI."
    ),
    examples=("ban Bob", "ban Bob 7d", "ban Bob 12h flooding the square"),
    admin=True,
    run=run,
)
