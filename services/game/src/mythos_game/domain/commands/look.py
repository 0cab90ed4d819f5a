from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.conditions import LOOKING
from mythos_game.domain.items import parse_target, select
from mythos_game.domain.npc_life import describe_npc, fighting_whom, npcs_in
from mythos_game.domain.possessions import find_item, worn_lines
from mythos_game.domain.roster import Player
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
        return Outcome(True, _person(ctx, ctx.actor))
    here = next(
        (p for p in ctx.roster.in_room(ctx.actor.room_id) if p.name.lower() == wanted.lower()),
        None,
    )
    if here is not None:
        return Outcome(True, _person(ctx, here))
    target = parse_target(wanted)
    creatures = select(npcs_in(ctx.state, ctx.actor.room_id), target) if target else []
    if creatures:
        npc = creatures[0]
        return Outcome(True, describe_npc(npc, fighting_whom(ctx.state, ctx.roster, npc.id)))
    thing = find_item(ctx, wanted)
    if thing is not None:
        return Outcome(True, thing)
    return refused(f"You see no one called '{wanted}' here.")


def _person(ctx: Context, player: Player) -> str:
    return "\n".join([describe_player(player, ctx.actor), *worn_lines(ctx.state, player)])


SPEC = CommandSpec(
    name="look",
    aliases=("l",),
    category="World",
    usage="look [<direction> | <player> | <creature> | <item>]",
    summary=(
        "Describe the room you stand in, its exits, who and what is here; "
        "or what lies in one direction; or a player or creature in the room."
    ),
    details=(
        "A creature is named by a word of its name ('look ghoul'); '2.ghoul' is the second. "
        "It shows how hurt it is and whom it fights. A thing you wear, carry or see on the "
        "ground is named the same way ('look lantern'), looked for in that order."
    ),
    examples=(
        "look",
        "look north",
        "l up",
        "look Alice",
        "look at Alice",
        "look ghoul",
        "look lantern",
    ),
    allowed_when=LOOKING,
    run=run,
)
