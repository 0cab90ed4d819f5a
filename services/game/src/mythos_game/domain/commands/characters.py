from mythos_game.domain.account import character_list, listing
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome
from mythos_game.domain.conditions import OUT_OF_CHARACTER


def run(ctx: Context, args: list[str]) -> Outcome:
    most = ctx.rules.max_characters
    return Outcome(True, listing(ctx.world, ctx.actor, most), [character_list(ctx.actor, most)])


SPEC = CommandSpec(
    name="characters",
    aliases=("chars",),
    category="Character",
    usage="characters",
    summary="Your characters: profession, where each stands, which you play.",
    details="Also sends them as a character_list event.",
    allowed_when=OUT_OF_CHARACTER,
    run=run,
)
