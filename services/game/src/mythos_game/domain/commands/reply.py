from mythos_game.domain import chat
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.commands.whisper import whisper_across, whisper_to
from mythos_game.domain.conditions import SPEAKING


def run(ctx: Context, args: list[str]) -> Outcome:
    message = chat.text_of(args)
    if not message:
        return refused("Reply what? Usage: reply <text>")
    last = ctx.actor.last_whisper_from
    if last is None:
        return refused("Nobody has whispered to you yet.")
    target = ctx.roster.get(last)
    if target is None:
        elsewhere = ctx.directory.get_elsewhere(last)
        if elsewhere is not None:
            return whisper_across(ctx, elsewhere, message)
        return refused("Whoever whispered to you last is no longer online.")
    return whisper_to(ctx, target, message)


SPEC = CommandSpec(
    name="reply",
    aliases=("r",),
    category="Talking",
    usage="reply <text>",
    summary="Whisper back to the last player who whispered to you.",
    examples=("reply On my way.",),
    allowed_when=SPEAKING,
    run=run,
)
