from mythos_game.domain.alias_table import check_definition, clean_expansion
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused


def run(ctx: Context, args: list[str]) -> Outcome:
    actor = ctx.actor
    if not args:
        return refused("Usage: alias <name> <command...>   ('aliases' lists yours)")
    name = args[0].lower()
    expansion = clean_expansion(args[1:])
    if not expansion:
        current = actor.aliases.get(name)
        if current is None:
            return refused(f"You have no alias '{name}'. Usage: alias <name> <command...>")
        return Outcome(True, f"{name} = {current}")
    problem = check_definition(name, expansion, actor.aliases, ctx.commands, ctx.rules)
    if problem is not None:
        return refused(problem)
    before = actor.aliases.get(name)
    if before == expansion:
        return Outcome(True, f"Alias '{name}' already means: {expansion}")
    actor.aliases = {**actor.aliases, name: expansion}
    actor.version += 1
    verb = "now means" if before is None else "changed; it now means"
    return Outcome(True, f"Alias '{name}' {verb}: {expansion}", state_changed=True)


SPEC = CommandSpec(
    name="alias",
    category="Aliases",
    usage="alias <name> <command...>",
    summary="Make a word of your own stand for a longer command; it is kept between visits.",
    details=(
        "Typing the name runs the command, with anything you type after the name added at "
        "the end. A name is a letter, then letters, digits, '-' or '_' (at most 20), and "
        "cannot be a command or a direction; the command is at most 200 characters. You may "
        "keep 50 aliases; one alias may use another, at most 3 deep, never itself. "
        "'alias <name>' shows one."
    ),
    examples=("alias gq go north", "alias hi say Good evening, all.", "alias lib hi"),
    run=run,
)
