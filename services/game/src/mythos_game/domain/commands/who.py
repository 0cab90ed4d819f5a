from mythos_game.domain.commands.base import CommandSpec, Context, Outcome


def run(ctx: Context, args: list[str]) -> Outcome:
    players = sorted(ctx.roster.online(), key=lambda p: p.name.lower())
    lines = [
        f"  {p.name}{' (link-dead)' if p.linkdead else ''} - {ctx.world.room(p.room_id).name}"
        for p in players
    ]
    return Outcome(True, f"Players online ({len(players)}):\n" + "\n".join(lines))


SPEC = CommandSpec(
    name="who",
    category="People",
    usage="who",
    summary="List the players online and where they are.",
    run=run,
)
