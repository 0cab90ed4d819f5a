from mythos_game.domain import lucidity
from mythos_game.domain.breakdown import room_line
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.conditions import AT_PEACE
from mythos_game.domain.lucidity import MEDITATE, Ritual


def ritual(ctx: Context, rite: Ritual, cooldown_seconds: float) -> Outcome:
    """Perform ``rite`` (meditate, pray) once its cooldown is over; ``pray`` uses it too."""
    character = ctx.actor.character
    left = lucidity.cooldown_left(character, rite.name, ctx.now)
    if left > 0:
        return refused(lucidity.wait_text(left))
    line, _ = lucidity.perform(character, rite, cooldown_seconds, ctx.status, ctx.now)
    event = room_line(ctx.actor, rite.name, rite.room.format(name=ctx.actor.name))
    # The cooldown is stored even when nothing else changed (at 100 the gain is 0).
    return Outcome(True, line, [event], state_changed=True)


def run(ctx: Context, args: list[str]) -> Outcome:
    return ritual(ctx, MEDITATE, ctx.rules.meditate_cooldown_seconds)


SPEC = CommandSpec(
    name="meditate",
    category="Mind",
    usage="meditate",
    summary="Sit still and steady your mind: +6 lucidity (up to 100).",
    details=(
        "Anywhere, but not in a fight. Then you must wait GAME_MEDITATE_COOLDOWN_SECONDS "
        "(600 s) before the calm comes again; the wait outlasts logouts and restarts."
    ),
    allowed_when=AT_PEACE,
    fighting_refusal=lucidity.RITUAL_FIGHTING,
    run=run,
)
