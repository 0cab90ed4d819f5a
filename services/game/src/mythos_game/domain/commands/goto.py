from mythos_game.domain.admin import relocate
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, admin_only, refused
from mythos_game.domain.movement import find_room
from mythos_game.domain.world import Room


@admin_only("goto")
def run(ctx: Context, args: list[str]) -> Outcome:
    if not args:
        return refused("Usage: goto <player | room>")
    someone = ctx.roster.find_by_name(" ".join(args)) if len(args) == 1 else None
    # A player on another shard: their room from the directory (the admin crosses to it).
    elsewhere = ctx.directory.find_elsewhere(args[0]) if len(args) == 1 else None
    room: Room | None
    if someone is not None:
        room = ctx.world.room(someone.room_id)
    elif elsewhere is not None and ctx.world.has_room(elsewhere.room_id):
        room = ctx.world.room(elsewhere.room_id)
    else:
        room = find_room(ctx.world, args)
    if room is None:
        return refused(f"There is no player online or room called '{' '.join(args)}'.")
    return relocate(ctx, ctx.actor, room, "goto", "")


SPEC = CommandSpec(
    name="goto",
    category="Admin",
    usage="goto <player | room>",
    summary="Go at once to a player's room, or to a room (by id or name).",
    examples=("goto Bob", "goto miskatonic-quad"),
    admin=True,
    run=run,
)
