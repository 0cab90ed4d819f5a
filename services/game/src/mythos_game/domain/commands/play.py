from mythos_game.domain.account import own_character
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.conditions import OUT_OF_CHARACTER, states_of


def run(ctx: Context, args: list[str]) -> Outcome:
    if not args:
        return refused("Usage: play <name>")
    actor = ctx.actor
    character = own_character(actor, args[0])
    if character is None:
        return refused(f"You have no character called '{args[0]}'.")
    if character.id == actor.character_id:
        return refused(f"You are already playing {character.name}.")
    if states_of(actor.character):
        return refused(f"You cannot step away from {actor.name} now.")
    return Outcome(True, f"You are now playing {character.name}.", switch_to=character)


SPEC = CommandSpec(
    name="play",
    aliases=("ic",),
    category="Character",
    usage="play <name>",
    summary="Become another of your characters, on the same connection.",
    details=(
        "As if the current character quit and the other logged in: its room sees it leave, "
        "your stream starts again with a game_state (a new epoch), and the other enters where "
        "it last stood (the start room the first time). Not while fighting, bleeding, dead "
        "or catatonic."
    ),
    examples=("play Ada_Whateley",),
    # Checked by the command itself, with its own words.
    allowed_when=OUT_OF_CHARACTER,
    run=run,
)
