from mythos_contracts.zone_handover import ZONE_MOVE_TARGET

from mythos_game.domain import chat
from mythos_game.domain.commands.base import (
    AuditEntry,
    CommandSpec,
    Context,
    Outcome,
    admin_only,
    refused,
)
from mythos_game.domain.outgoing import RemoteCall, ZoneMove

USAGE = "admin status | admin zones | admin move <zone> <shard>"


@admin_only("admin")
def run(ctx: Context, args: list[str]) -> Outcome:
    what = args[0].lower() if args else "status"
    if what == "status" and len(args) <= 1:
        return status(ctx)
    if what == "zones" and len(args) == 1:
        return zones(ctx)
    if what == "move" and len(args) == 3:
        return move(ctx, args[1], args[2])
    return refused(f"Usage: {USAGE}")


def status(ctx: Context) -> Outcome:
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


def zones(ctx: Context) -> Outcome:
    """The live shard map as this shard knows it, and its text to commit."""
    live = ctx.zones
    if live is None:
        return Outcome(True, "One game holds the whole world: there is no shard map to show.")
    lines = [f"Shard map, version {live.version} (as shard {live.shard} knows it):"]
    for shard in live.shards:
        owned = ", ".join(f"{z} (v{live.version_of(z)})" for z in live.zones_of(shard))
        lines.append(f"  {shard}: {owned or 'no zones'}")
    if live.moved():
        lines.append("Zones moved since the map file; the file to commit (GAME_SHARD_MAP):")
        lines.append(live.as_file().rstrip())
    return Outcome(True, "\n".join(lines), audit=[AuditEntry("zones")])


def move(ctx: Context, zone: str, to: str) -> Outcome:
    """Hand ``zone`` to shard ``to``, live: run by the zone's owner (asked by a call
    when that is another shard), which sends the zone and the players in it over."""
    live = ctx.zones
    if live is None:
        return refused("One game holds the whole world: there is no other shard to move to.")
    known = sorted(ctx.world.zone_ids())
    if zone not in known:
        return refused(f"There is no zone '{zone}'. Zones: {', '.join(known)}.")
    if to not in live.shards:
        return refused(f"There is no shard '{to}'. Shards: {', '.join(live.shards)}.")
    owner = live.owner(zone) or live.shard  # the map checks give every zone an owner
    if owner == to:
        return refused(f"Zone {zone} is {to}'s already (map version {live.version_of(zone)}).")
    heard = {snapshot.shard for snapshot in ctx.directory.shards()} | {live.shard}
    if ctx.spans_shards and to not in heard:
        # Nothing would take the zone in: its state and players would wait in a queue
        # no game reads, or be dropped by the broker if the shard never ran.
        return refused(
            f"Shard {to} is not running (the world directory has not heard from it "
            "lately): nothing moves to it. Start its game first."
        )
    if any(s.shard == to and not s.journaled for s in ctx.directory.shards()):
        return refused(
            f"Shard {to} runs without its journal (GAME_JOURNAL=false): a restart would "
            "forget the zone, so nothing moves to it."
        )
    if not live.durable:
        return refused(
            "Zones cannot move while the game runs without its journal (GAME_JOURNAL=false): "
            "a restarted shard would forget the move."
        )
    if owner != live.shard:
        # The owner serializes the moves of its zone: it runs this command and answers.
        call = RemoteCall(owner, ZONE_MOVE_TARGET, f"shard {owner}", "admin", ("move", zone, to))
        return Outcome(True, "", call=call)
    version = live.next_version()
    return Outcome(
        True,
        f"Zone {zone} moves from {owner} to {to} (map version {version}); the players in it "
        "go with it. 'admin zones' shows the map file to commit.",
        zone_moves=[ZoneMove(zone, to)],
        audit=[AuditEntry("move", zone, f"from={owner} to={to} version={version}")],
    )


SPEC = CommandSpec(
    name="admin",
    category="Admin",
    usage=USAGE,
    summary="How the game is doing: players online, rooms occupied, uptime; with more than "
    "one shard, each shard's players, term and active instance; the live shard map, and "
    "moving a zone to another shard.",
    details=(
        "'admin zones' lists which shard owns each zone now, and after a move the map file "
        "to commit. 'admin move <zone> <shard>' hands a zone, live, to another shard: its "
        "items, spawn timers and NPCs, and the players standing in it, who see nothing "
        "(docs/operations.md, Shards)."
    ),
    examples=("admin status", "admin zones", "admin move uptown s2"),
    admin=True,
    run=run,
)
