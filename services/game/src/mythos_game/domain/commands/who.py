from mythos_game.domain.commands.base import CommandSpec, Context, Outcome
from mythos_game.domain.conditions import OUT_OF_CHARACTER
from mythos_game.domain.links import ADMIN_ROLE
from mythos_game.domain.npc_life import person_mark
from mythos_game.domain.views import zone_label


def run(ctx: Context, args: list[str]) -> Outcome:
    players = sorted(ctx.roster.online(), key=lambda p: p.name.lower())
    lines = []
    for p in players:
        admin = " [admin]" if ctx.links.role(p.id) == ADMIN_ROLE else ""
        marks = admin + (" (link-dead)" if ctx.links.linkdead(p.id) else "")
        marks += person_mark(ctx.state, p)
        lines.append(f"  {p.name}{marks} - {zone_label(ctx.world.room(p.room_id))}")
    return Outcome(True, "\n".join([f"Players online ({len(players)}):", *lines]))


SPEC = CommandSpec(
    name="who",
    category="People",
    usage="who",
    summary="List the players online and where they are (room and zone).",
    details=(
        "Players whose connection dropped are marked (link-dead) until they return or "
        "leave; those in a fight, (fighting)."
    ),
    allowed_when=OUT_OF_CHARACTER,
    run=run,
)
