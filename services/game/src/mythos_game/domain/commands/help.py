from itertools import groupby

from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.conditions import OUT_OF_CHARACTER
from mythos_game.domain.links import ADMIN_ROLE


def run(ctx: Context, args: list[str]) -> Outcome:
    if args:
        spec = ctx.commands.find(args[0].lstrip("/"))
        if spec is None:
            return refused(f"There is no command '{args[0]}'. Type 'help' for the list.")
        return Outcome(True, spec.help_text())
    shown = [s for s in ctx.commands.specs if not s.admin or ctx.role == ADMIN_ROLE]
    by_category = sorted(shown, key=lambda s: (s.category, s.name))
    lines = ["Commands (type 'help <command>' for more):"]
    for category, specs in groupby(by_category, key=lambda s: s.category):
        lines.append(f"  {category}: " + ", ".join(s.name for s in specs))
    return Outcome(True, "\n".join(lines))


SPEC = CommandSpec(
    name="help",
    aliases=("?",),
    category="Help",
    usage="help [command]",
    summary="List the commands by category, or explain one (its usage and examples).",
    details="Admin commands are listed to admins only.",
    examples=("help", "help go"),
    allowed_when=OUT_OF_CHARACTER,
    run=run,
)
