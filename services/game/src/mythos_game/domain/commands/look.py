from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.views import describe_exit, describe_player, describe_room_for
from mythos_game.domain.world import canonical_direction

_SELF_WORDS = ("me", "self", "myself")


def run(ctx: Context, args: list[str]) -> Outcome:
    words = args[1:] if args and args[0].lower() == "at" else args
    if not words:
        if args:
            return refused("Look at what? Usage: look [<direction> | <player>]")
        return Outcome(True, describe_room_for(ctx.world, ctx.roster, ctx.actor.room_id, ctx.state))
    wanted = " ".join(words).strip()

    direction = canonical_direction(wanted)
    if direction is not None:
        way = ctx.world.room(ctx.actor.room_id).exit(direction)
        if way is None or way.hidden:
            # A hidden exit reads exactly like no exit at all.
            return refused(f"You see no way {direction} from here.")
        return Outcome(True, describe_exit(ctx.world, direction, way))

    if wanted.lower() in _SELF_WORDS:
        return Outcome(True, describe_player(ctx.actor, ctx.actor))
    here = next(
        (p for p in ctx.roster.in_room(ctx.actor.room_id) if p.name.lower() == wanted.lower()),
        None,
    )
    if here is None:
        return refused(f"You see no one called '{wanted}' here.")
    return Outcome(True, describe_player(here, ctx.actor))


SPEC = CommandSpec(
    name="look",
    aliases=("l",),
    category="World",
    usage="look [<direction> | <player>]",
    summary=(
        "Describe the room you stand in, its exits and who is here; "
        "or what lies in one direction; or another player in the room."
    ),
    examples=("look", "look north", "l up", "look Alice", "look at Alice"),
    run=run,
)
