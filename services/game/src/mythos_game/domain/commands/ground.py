from mythos_game.domain import lucidity
from mythos_game.domain.breakdown import ASYLUM_LUCIDITY, room_line
from mythos_game.domain.character import LUCIDITY_MAX
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.conditions import AT_PEACE

USAGE = "ground <player>"


def run(ctx: Context, args: list[str]) -> Outcome:
    name = " ".join(args).strip()
    if not name:
        return refused(f"Ground whom? Usage: {USAGE}")
    actor = ctx.actor
    target = next(
        (p for p in ctx.roster.in_room(actor.room_id) if p.name.lower() == name.lower()), None
    )
    if target is None:
        return refused(f"You see no one called '{name}' here.")
    if target.character.tier != "catatonic":
        return refused(f"{target.name} is not lost in the dark.")
    if lucidity.misfires(actor.character.tier, ctx.rng, ctx.rules.lucidity_random_effects):
        return refused(lucidity.MISFIRE_TEXT)
    text = (
        f"{actor.name}'s voice reaches you through the dark. You are back, barely. "
        f"({ASYLUM_LUCIDITY}/{LUCIDITY_MAX})"
    )
    lucidity.set_to(target.character, ASYLUM_LUCIDITY, ctx.status, "ground", text, ctx.now)
    seen = f"{actor.name} grounds {target.name}; the blankness leaves {target.name}'s eyes."
    return Outcome(
        True,
        f"You take {target.name}'s hands and talk them back to the world.",
        [room_line(actor, "ground", seen, target)],
    )


SPEC = CommandSpec(
    name="ground",
    category="Mind",
    usage=USAGE,
    summary="Talk a catatonic investigator in this room back to the world (to 1 lucidity).",
    details=(
        "Not while you fight, bleed or are lost yourself. A fractured or deranged mind "
        "may fumble it (10 % / 25 %)."
    ),
    examples=("ground Ada",),
    allowed_when=AT_PEACE,
    run=run,
)
