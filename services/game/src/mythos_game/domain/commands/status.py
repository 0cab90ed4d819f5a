from mythos_game.domain.character import CHARACTERISTICS
from mythos_game.domain.characters import Character
from mythos_game.domain.combat import fight_of
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome
from mythos_game.domain.conditions import OUT_OF_CHARACTER


def run(ctx: Context, args: list[str]) -> Outcome:
    character = ctx.actor.character
    ctx.status.note(character, "requested")
    return Outcome(True, sheet(character, _fighting(ctx, character)))


def _fighting(ctx: Context, character: Character) -> str | None:
    """The name of whom the character fights, if anyone."""
    fight = fight_of(ctx.state.fights, character.id)
    fighter = fight.fighters.get(character.id) if fight is not None else None
    target = fighter.target if fighter is not None else None
    if target is None:
        return None
    npc = ctx.state.npcs.get(target)
    if npc is not None:
        return str(npc.name)
    other = next((p for p in ctx.roster.online() if p.character_id == target), None)
    return other.name if other is not None else None


def sheet(character: Character, fighting: str | None = None) -> str:
    """The character sheet ``status`` answers with."""
    status = character.status()
    values = character.characteristics
    return "\n".join(
        [
            f"{character.name}, {character.profession}",
            "  ".join(f"{key.upper()} {values[key]}" for key in CHARACTERISTICS),
            f"Determination {status.dp}/{status.max_dp}  Magic {status.mp}/{status.max_mp}  "
            f"Lucidity {status.lucidity}/{status.max_lucidity} ({status.tier})",
            f"Condition: {status.condition}  Experience: {status.xp}",
            f"Fighting: {fighting}"
            if fighting
            else ("Fighting." if status.in_combat else "Not fighting."),
        ]
    )


SPEC = CommandSpec(
    name="status",
    aliases=("score", "sheet"),
    category="Character",
    usage="status",
    summary="Your character sheet: characteristics, determination, magic, lucidity, experience.",
    details="Also sends your whole status as a status_update event (reason 'requested').",
    allowed_when=OUT_OF_CHARACTER,
    run=run,
)
