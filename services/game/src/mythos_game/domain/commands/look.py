from mythos_game.domain.commands.base import CommandSpec, Context, Outcome
from mythos_game.domain.views import describe_room, room_view


def run(ctx: Context, args: list[str]) -> Outcome:
    return Outcome(True, describe_room(room_view(ctx.world, ctx.roster, ctx.actor.room_id)))


SPEC = CommandSpec(
    name="look",
    aliases=("l",),
    category="World",
    usage="look",
    summary="Describe the room you stand in, its exits and who is here.",
    run=run,
)
