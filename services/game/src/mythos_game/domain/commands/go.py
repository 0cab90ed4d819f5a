from mythos_contracts.events import PresenceData, RoomUpdateData

from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.outgoing import Outgoing, ToPlayer, ToRoom
from mythos_game.domain.views import describe_room, room_view
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

    target = way.target
    actor = ctx.actor
    presence = PresenceData(player_id=actor.id, player_name=actor.name)
    ctx.roster.move(actor, target)
    view = room_view(ctx.world, ctx.roster, target)
    events = [
        Outgoing("player_left", ToRoom(origin.id, frozenset({actor.id})), presence, origin.id),
        Outgoing("player_entered", ToRoom(target, frozenset({actor.id})), presence, target),
        Outgoing("room_update", ToPlayer(actor.id), RoomUpdateData(room=view), target),
    ]
    text = f"You go {direction}.\n{describe_room(view, ctx.world.room(target))}"
    return Outcome(True, text, events, state_changed=True)


SPEC = CommandSpec(
    name="go",
    aliases=("move", "walk"),
    category="World",
    usage="go <direction>   (or just the direction: north, n, up, u, ...)",
    summary="Walk through an exit of the room.",
    examples=("go north", "n", "up"),
    run=run,
)
