from mythos_game.domain.commands.base import CommandSpec, Context, Outcome
from mythos_game.domain.conditions import OUT_OF_CHARACTER
from mythos_game.domain.links import ADMIN_ROLE
from mythos_game.domain.npc_life import person_mark
from mythos_game.domain.views import zone_label


def run(ctx: Context, args: list[str]) -> Outcome:
    rows: list[tuple[str, str]] = []
    for p in ctx.roster.online():
        admin = " [admin]" if ctx.links.role(p.id) == ADMIN_ROLE else ""
        marks = admin + (" (link-dead)" if ctx.links.linkdead(p.id) else "")
        marks += person_mark(ctx.state, p)
        rows.append((p.name, f"  {p.name}{marks} - {zone_label(ctx.world.room(p.room_id))}"))
    # The other shards' players, from the directory (no fight marks: not published).
    for entry in ctx.directory.elsewhere():
        marks = (" [admin]" if entry.role == ADMIN_ROLE else "") + (
            " (link-dead)" if entry.linkdead else ""
        )
        where = (
            zone_label(ctx.world.room(entry.room_id)) if ctx.world.has_room(entry.room_id) else "?"
        )
        rows.append((entry.name, f"  {entry.name}{marks} - {where}"))
    rows.sort(key=lambda row: row[0].lower())
    lines = [line for _, line in rows]
    return Outcome(True, "\n".join([f"Players online ({len(rows)}):", *lines]))


SPEC = CommandSpec(
    name="who",
    category="People",
    usage="who",
    summary="List the players online and where they are (room and zone), on every shard.",
    details=(
        "Players whose connection dropped are marked (link-dead) until they return or "
        "leave; those in a fight, (fighting)."
    ),
    allowed_when=OUT_OF_CHARACTER,
    run=run,
)
