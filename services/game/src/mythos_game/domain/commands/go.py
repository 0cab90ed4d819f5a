from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.conditions import AT_PEACE
from mythos_game.domain.movement import arrival_text, move_player
from mythos_game.domain.world import canonical_direction


def run(ctx: Context, args: list[str]) -> Outcome:
    if not args:
        return refused("Go where? Usage: go <direction>")
    direction = canonical_direction(args[0])
    if direction is None:
        return refused(f"'{args[0]}' is not a direction.")
    origin = ctx.world.room(ctx.actor.room_id)
    way = origin.exit(direction)
    if way is None or way.hidden:
        # The same words for a hidden exit as for none: refusing must not reveal it.
        return refused(f"You cannot go {direction} from here.")
    if way.locked:
        return refused(f"The way {direction} is locked.")
    # An uneasy mind may see something as it walks in: rolled for every room entry by
    # the service layer (``service_layer/arrivals.py``), whatever caused it.
    events = move_player(ctx.world, ctx.roster, ctx.actor, way.target, ctx.state)
    lead = f"You go {direction}."
    text = f"{lead}\n{arrival_text(ctx.world, ctx.roster, way.target, ctx.state)}"
    return Outcome(True, text, events, state_changed=True, lead=lead)


SPEC = CommandSpec(
    name="go",
    aliases=("move", "walk"),
    category="World",
    usage="go <direction>   (or just the direction: north, n, up, u, ...)",
    summary="Walk through an exit of the room.",
    details="Walking away ends your pose.",
    examples=("go north", "n", "up"),
    allowed_when=AT_PEACE,
    fighting_refusal="You are fighting! Flee first.",
    run=run,
)
