from mythos_game.domain.admin import online, relocate
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, admin_only, refused


@admin_only("summon")
def run(ctx: Context, args: list[str]) -> Outcome:
    if len(args) != 1:
        return refused("Usage: summon <player>")
    player = online(ctx, args[0])
    if isinstance(player, Outcome):
        return player
    if player.id == ctx.actor.id:
        return refused("You are already where you are.")
    room = ctx.world.room(ctx.actor.room_id)
    return relocate(ctx, player, room, "summon", f"{ctx.actor.name} summons you.")


SPEC = CommandSpec(
    name="summon",
    category="Admin",
    usage="summon <player>",
    summary="Bring a player to your room.",
    examples=("summon Bob",),
    admin=True,
    run=run,
)
