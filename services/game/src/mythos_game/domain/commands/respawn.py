from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.conditions import FOR_THE_DEAD
from mythos_game.domain.movement import arrival_text
from mythos_game.domain.wounds import respawn


def run(ctx: Context, args: list[str]) -> Outcome:
    me = ctx.actor
    if me.character.condition != "dead":
        return refused("You are not dead.")
    events, text = respawn(ctx.world, ctx.roster, ctx.state, ctx.rules, ctx.status, me, ctx.now)
    arrival = arrival_text(ctx.world, ctx.roster, me.room_id, ctx.state)
    return Outcome(True, f"{text}\n{arrival}", events, state_changed=True)


SPEC = CommandSpec(
    name="respawn",
    category="Combat",
    usage="respawn",
    summary="Return to the living, at the sanitarium, with full determination and magic.",
    details=(
        "Only the dead may. Lucidity, experience and what you carry stay as they were; "
        "the dead come back by themselves after a while in the world anyway."
    ),
    examples=("respawn",),
    allowed_when=FOR_THE_DEAD,
    run=run,
)
