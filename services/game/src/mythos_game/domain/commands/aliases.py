from mythos_game.domain.commands.base import CommandSpec, Context, Outcome


def run(ctx: Context, args: list[str]) -> Outcome:
    table = ctx.actor.aliases
    if not table:
        return Outcome(True, "You have no aliases. Make one with: alias <name> <command...>")
    lines = [f"Your aliases ({len(table)} of {ctx.rules.max_aliases}):"]
    lines += [f"  {name} = {table[name]}" for name in sorted(table)]
    return Outcome(True, "\n".join(lines))


SPEC = CommandSpec(
    name="aliases",
    category="Aliases",
    usage="aliases",
    summary="List your aliases.",
    run=run,
)
