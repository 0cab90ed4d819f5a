from mythos_contracts.events import ChatMessageData

from mythos_game.domain import chat
from mythos_game.domain.commands.base import (
    AuditEntry,
    CommandSpec,
    Context,
    Outcome,
    admin_only,
    refused,
)
from mythos_game.domain.outgoing import Outgoing, ToEveryone, WorldLine


@admin_only("broadcast")
def run(ctx: Context, args: list[str]) -> Outcome:
    message = chat.text_of(args)
    if not message:
        return refused("Usage: broadcast <text>")
    if len(message) > ctx.rules.max_message_chars:
        return refused(f"That is too long: at most {ctx.rules.max_message_chars} characters.")
    actor = ctx.actor
    data = ChatMessageData(
        channel="system",
        player_id=actor.character_id,
        player_name=actor.name,
        message=message,
        text=f"[system] {message}",
    )
    reach = len(ctx.roster.online()) + len(ctx.directory.elsewhere())
    outcome = Outcome(
        True,
        f"Broadcast to {reach} player{'' if reach == 1 else 's'}: {message}",
        audit=[AuditEntry("broadcast", "everyone", f"message={message!r}")],
    )
    if ctx.spans_shards:
        # Every shard stamps it in the lobby's order (the admin's own included).
        outcome.world_lines.append(WorldLine("broadcast", data, exclude_speaker=False))
    else:
        outcome.events.append(Outgoing("chat_message", ToEveryone(), data))
    return outcome


SPEC = CommandSpec(
    name="broadcast",
    category="Admin",
    usage="broadcast <text>",
    summary="Announce something to every player online (you included), as a system line.",
    examples=("broadcast The game restarts in five minutes.",),
    admin=True,
    run=run,
)
