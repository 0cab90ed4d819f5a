from mythos_game.domain.account import character_list, own_character
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.conditions import FOR_THE_DEAD

USAGE = "chardelete <name> confirm"


def run(ctx: Context, args: list[str]) -> Outcome:
    if not args:
        return refused(f"Usage: {USAGE}")
    actor = ctx.actor
    character = own_character(actor, args[0])
    if character is None:
        return refused(f"You have no character called '{args[0]}'.")
    if character.id == actor.character_id:
        return refused("You cannot delete the character you are playing.")
    if len(args) < 2 or args[1].lower() != "confirm":
        name = character.name
        return refused(f"This cannot be undone. Type 'chardelete {name} confirm' to delete {name}.")
    character.deleted = True
    del actor.characters[character.id]
    ctx.names.free(character.name, character.id)
    # Its items are destroyed (stored as tombstones, so no late save brings one back).
    for item in ctx.state.forget_character(character.id):
        ctx.state.destroy(item)
    return Outcome(
        True,
        f"{character.name} is gone. Their name is free again.",
        [character_list(actor, ctx.rules.max_characters)],
        changed_characters=[character],
    )


SPEC = CommandSpec(
    name="chardelete",
    category="Character",
    usage=USAGE,
    summary="Delete one of your other characters for good; its name and slot are free.",
    details="Not the one you are playing. Its items are destroyed.",
    examples=("chardelete Ada_Whateley confirm",),
    allowed_when=FOR_THE_DEAD,
    run=run,
)
