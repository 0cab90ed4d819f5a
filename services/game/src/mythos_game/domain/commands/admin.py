from mythos_game.domain import chat
from mythos_game.domain.commands.base import (
    AuditEntry,
    CommandSpec,
    Context,
    Outcome,
    admin_only,
    refused,
)


@admin_only("admin")
def run(ctx: Context, args: list[str]) -> Outcome:
    if args and args[0].lower() != "status":
        return refused("Usage: admin status")
    players = ctx.roster.online()
    linkdead = sum(1 for p in players if ctx.links.linkdead(p.id))
    muted = sum(1 for p in players if p.muted_for(ctx.now) > 0)
    rooms = len(ctx.roster.occupied_rooms())
    lines = [
        f"Players online: {len(players)} ({linkdead} link-dead, {muted} muted)",
        f"Rooms occupied: {rooms} of {len(ctx.world.rooms)}",
    ]
    if ctx.started_at is not None:
        lines.append(f"Uptime: {chat.duration(ctx.now - ctx.started_at)}")
    # A split world: every shard, as its last snapshot told the directory.
    for shard in ctx.directory.shards():
        lines.append(
            f"Shard {shard.shard}: {len(shard.players)} players, term {shard.term}, "
            f"instance {shard.instance}, up {chat.duration(max(0.0, shard.at - shard.started_at))}"
        )
    return Outcome(True, "\n".join(lines), audit=[AuditEntry("status")])


SPEC = CommandSpec(
    name="admin",
    category="Admin",
    usage="admin status",
    summary="How the game is doing: players online, rooms occupied, uptime; with more than "
    "one shard, each shard's players, term and active instance.",
    admin=True,
    run=run,
)
