from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused


def run(ctx: Context, args: list[str]) -> Outcome:
    if len(args) != 1:
        return refused("Usage: unalias <name>")
    actor = ctx.actor
    name = args[0].lower()
    if name not in actor.aliases:
        return refused(f"You have no alias '{name}'.")
    actor.aliases = {k: v for k, v in actor.aliases.items() if k != name}
    actor.version += 1
    return Outcome(True, f"Alias '{name}' removed.", state_changed=True)


SPEC = CommandSpec(
    name="unalias",
    category="Aliases",
    usage="unalias <name>",
    summary="Forget one of your aliases.",
    examples=("unalias gq",),
    run=run,
)
