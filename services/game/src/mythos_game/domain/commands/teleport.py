from mythos_game.domain.admin import online, relocate
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, admin_only, refused
from mythos_game.domain.movement import find_room


@admin_only("teleport")
def run(ctx: Context, args: list[str]) -> Outcome:
    if len(args) < 2:
        return refused("Usage: teleport <player> <room>")
    player = online(ctx, args[0])
    if isinstance(player, Outcome):
        return player
    room = find_room(ctx.world, args[1:])
    if room is None:
        return refused(f"There is no room '{' '.join(args[1:])}'. Give its id or its name.")
    notice = f"{ctx.actor.name} moves you to {room.name}."
    return relocate(ctx, player, room, "teleport", notice)


SPEC = CommandSpec(
    name="teleport",
    aliases=("tp",),
    category="Admin",
    usage="teleport <player> <room>",
    summary="Move a player to a room (by id or name).",
    details="The rooms see them leave and arrive as if they walked; the player is told who.",
    examples=("teleport Bob orne-library", "tp Bob Independence Square"),
    admin=True,
    run=run,
)
