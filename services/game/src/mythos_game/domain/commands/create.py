from mythos_game.domain.account import character_list
from mythos_game.domain.character import Profession
from mythos_game.domain.characters import NAME_RULE, new_character
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.conditions import FOR_THE_DEAD
from mythos_game.domain.items import Item

USAGE = "create <name> <profession>"


def run(ctx: Context, args: list[str]) -> Outcome:
    actor = ctx.actor
    rolled = ctx.pending_rolls.get(actor.id)
    if rolled is None:
        return refused("You have no roll to keep. Type 'roll' first.")
    if len(args) != 2:
        return refused(f"Usage: {USAGE}")
    name, wanted = args
    if not NAME_RULE.match(name):
        return refused("A character's name is a letter, then 2 to 19 letters, digits or '_'.")
    most = ctx.rules.max_characters
    if len(actor.characters) >= most:
        return refused(
            f"You already have {most} characters. "
            "Delete one first with 'chardelete <name> confirm'."
        )
    if not ctx.names.loaded:
        return refused("The names of the living are still being counted; try again shortly.")
    if ctx.names.taken(name):
        return refused(f"The name '{name}' is already taken.")
    profession = _profession(ctx, wanted)
    if profession is None:
        return refused(
            f"There is no profession called '{wanted}'. Type 'professions' for the list."
        )
    missed = [(key, least) for key, least in profession.requires.items() if rolled[key] < least]
    if missed:
        shown = ", ".join(f"{k.upper()} {least} (you rolled {rolled[k]})" for k, least in missed)
        return refused(f"Your roll does not meet the {profession.name}'s requirements: {shown}.")
    character = new_character(
        # Opaque, and from the game's one source of chance (seeded in tests).
        f"ch-{ctx.rng.getrandbits(96):024x}",
        actor.id,
        name,
        profession.id,
        profession.apply(rolled),
    )
    del ctx.pending_rolls[actor.id]
    ctx.names.take(name, character.id)
    actor.characters[character.id] = character
    for n, prototype_id in enumerate(profession.kit, start=1):
        prototype = ctx.world.items.get(prototype_id)
        if prototype is not None:
            # Deterministic ids: a repeated grant upserts the same rows.
            ctx.state.give_to(character.id, Item(f"kit-{character.id}-{n}", prototype))
    text = f"You create {name}, a {profession.name}. Type 'play {name}' to become them."
    return Outcome(
        True,
        text,
        [character_list(actor, most)],
        changed_characters=[character],
    )


def _profession(ctx: Context, wanted: str) -> Profession | None:
    """By id or by name, in any case."""
    word = wanted.lower()
    return next((p for p in ctx.world.professions.values() if word in (p.id, p.name.lower())), None)


SPEC = CommandSpec(
    name="create",
    category="Character",
    usage=USAGE,
    summary="Keep your last roll as a new character of a profession.",
    details=(
        "Needs a roll ('roll') that meets the profession's requirements; the profession's "
        "changes and kit apply. Names: a letter, then 2 to 19 letters, digits or '_', unique "
        "(in any case) among everyone's characters. An account keeps at most "
        "GAME_MAX_CHARACTERS. Sends character_list; you keep playing your current character."
    ),
    examples=("create Ada_Whateley professor",),
    allowed_when=FOR_THE_DEAD,
    run=run,
)
