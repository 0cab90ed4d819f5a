from mythos_contracts.events import CharacterRollData, Derived

from mythos_game.domain.character import (
    CHARACTERISTICS,
    ROLL_METHODS,
    UnknownRollMethod,
    derive,
    open_professions,
    roll,
)
from mythos_game.domain.characters import characteristics_view
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.conditions import OUT_OF_CHARACTER
from mythos_game.domain.outgoing import Outgoing, ToPlayer

_BUCKET = "roll"
"""The rate limiter's bucket for rolls (per account)."""


def run(ctx: Context, args: list[str]) -> Outcome:
    actor = ctx.actor
    method = args[0].lower() if args else ROLL_METHODS[0]
    if method not in ROLL_METHODS:
        return refused(str(UnknownRollMethod(args[0])))
    limit = ctx.rules.rolls_per_minute
    wait = ctx.limiter.wait(actor.id, _BUCKET, limit, ctx.now)
    if wait:
        return refused(f"You are rolling too fast; try again in {wait} seconds.")
    ctx.limiter.record(actor.id, _BUCKET, limit, ctx.now)
    rolled = roll(method, ctx.rng)
    ctx.pending_rolls[actor.id] = rolled
    derived = derive(rolled)
    professions = open_professions(rolled, ctx.world.professions.values())
    data = CharacterRollData(
        method=method,  # type: ignore[arg-type]  # one of ROLL_METHODS
        characteristics=characteristics_view(rolled),
        derived=Derived(
            max_dp=derived.max_dp,
            max_mp=derived.max_mp,
            max_lucidity=derived.max_lucidity,
            max_weight=derived.max_weight,
        ),
        professions=professions,
    )
    values = " ".join(f"{key.upper()} {rolled[key]}" for key in CHARACTERISTICS)
    text = "\n".join(
        [
            f"You roll ({method}): {values}",
            f"Determination {derived.max_dp}, magic {derived.max_mp}, lucidity "
            f"{derived.max_lucidity}. Professions open to you: {', '.join(professions)}.",
            "Type 'create <name> <profession>' to keep this roll, or 'roll' again.",
        ]
    )
    return Outcome(True, text, [Outgoing("character_roll", ToPlayer(actor.id), data)])


SPEC = CommandSpec(
    name="roll",
    category="Character",
    usage="roll [3d6|4d6]",
    summary="Roll the characteristics of a new character (kept until you 'create' one).",
    details=(
        "3d6 (the default): STR, CON, DEX, CHA, POW and LUCK are 3d6 x 5; 4d6: the best three "
        "of 4d6, x 5. SIZ, INT and EDU are (2d6 + 6) x 5 either way. The roll is sent as a "
        "character_roll event with what it derives and the professions it qualifies for. "
        "Each roll replaces the last; a restart of the game forgets it. Limited to "
        "GAME_ROLLS_PER_MINUTE per minute."
    ),
    examples=("roll", "roll 4d6"),
    allowed_when=OUT_OF_CHARACTER,
    run=run,
)
