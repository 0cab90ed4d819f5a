from mythos_game.domain import chat
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome
from mythos_game.domain.conditions import OUT_OF_CHARACTER
from mythos_game.domain.links import ADMIN_ROLE
from mythos_game.domain.views import zone_label


def run(ctx: Context, args: list[str]) -> Outcome:
    actor = ctx.actor
    role = "an admin" if ctx.role == ADMIN_ROLE else "a player"
    lines = [
        f"You are {actor.name}, {role}.",
        f"You stand in {zone_label(ctx.world.room(actor.room_id))}.",
    ]
    if actor.pose:
        lines.append(f"Your pose: {actor.pose}")
    muted = actor.muted_for(ctx.now)
    if muted > 0:
        lines.append(f"You are muted for {chat.duration(muted)} more.")
    count = len(actor.aliases)
    lines.append(f"You have {count} alias{'' if count == 1 else 'es'} (type 'aliases').")
    return Outcome(True, "\n".join(lines))


SPEC = CommandSpec(
    name="whoami",
    category="People",
    usage="whoami",
    summary="Who you are, where you stand, and anything that limits you (a mute).",
    allowed_when=OUT_OF_CHARACTER,
    run=run,
)
