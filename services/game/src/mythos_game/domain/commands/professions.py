from collections.abc import Mapping

from mythos_game.domain.character import Profession
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome
from mythos_game.domain.conditions import OUT_OF_CHARACTER


def run(ctx: Context, args: list[str]) -> Outcome:
    lines = [
        "Professions (requirements are checked against your roll; changes apply when you create):"
    ]
    for profession in ctx.world.professions.values():
        lines.append(f"  {line(profession, ctx)}")
    return Outcome(True, "\n".join(lines))


def line(profession: Profession, ctx: Context) -> str:
    """``professor - needs INT 60, EDU 65; EDU +5, INT +5, DEX -5. Tenured at ...``"""
    needs = (
        "needs " + _listed(profession.requires, signed=False)
        if profession.requires
        else "no requirements"
    )
    changes = _listed(profession.changes, signed=True) if profession.changes else "no changes"
    text = f"{profession.id} - {needs}; {changes}. {profession.description}"
    if profession.kit:
        names = [ctx.world.items[i].name if i in ctx.world.items else i for i in profession.kit]
        text += f" Starts with {', '.join(names)}."
    return text


def _listed(values: Mapping[str, int], *, signed: bool) -> str:
    return ", ".join(
        f"{key.upper()} {value:+d}" if signed else f"{key.upper()} {value}"
        for key, value in values.items()
    )


SPEC = CommandSpec(
    name="professions",
    category="Character",
    usage="professions",
    summary="The professions a new character may take: what each needs and changes.",
    details="Requirements are checked against your roll; changes apply when you create.",
    allowed_when=OUT_OF_CHARACTER,
    run=run,
)
