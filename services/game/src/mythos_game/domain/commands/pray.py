from mythos_game.domain import lucidity
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.commands.meditate import ritual
from mythos_game.domain.conditions import AT_PEACE
from mythos_game.domain.lucidity import PRAY


def run(ctx: Context, args: list[str]) -> Outcome:
    if not ctx.world.room(ctx.actor.room_id).sanctuary:
        return refused(lucidity.NO_SANCTUARY)
    return ritual(ctx, PRAY, ctx.rules.pray_cooldown_seconds)


SPEC = CommandSpec(
    name="pray",
    category="Mind",
    usage="pray",
    summary="Pray in a holy place: +8 lucidity (up to 100).",
    details=(
        "Only in a sanctuary (such as the University Chapel), and not in a fight. Then you "
        "must wait GAME_PRAY_COOLDOWN_SECONDS (900 s) before praying again."
    ),
    allowed_when=AT_PEACE,
    fighting_refusal=lucidity.RITUAL_FIGHTING,
    run=run,
)
