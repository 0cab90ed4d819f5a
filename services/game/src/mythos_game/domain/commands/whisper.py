from mythos_contracts.directory import Present

from mythos_game.domain import chat, distortion
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.conditions import SPEAKING
from mythos_game.domain.outgoing import RemoteWhisper, ToPlayer
from mythos_game.domain.roster import Player


def whisper_to(ctx: Context, target: Player, message: str) -> Outcome:
    """Whisper ``message`` to ``target`` (anywhere in the world); ``reply`` uses it too."""
    actor = ctx.actor
    if target.id == actor.id:
        return refused("You murmur something to yourself. Nobody else hears it.")
    bucket = f"whisper:{target.id}"
    problem = chat.may_speak(ctx, "whisper", message, bucket)
    if problem is not None:
        return problem
    chat.spoke(ctx, "whisper", bucket)
    target.last_whisper_from = actor.id
    spoken, events = chat.said(
        ctx,
        "whisper",
        message,
        f"{actor.name} whispers to you: ",
        ToPlayer(target.id),
        strained_prefix=f"{actor.name} whispers to you (strained): ",
    )
    return Outcome(True, f"You whisper to {target.name}: {spoken.message}", events)


def whisper_across(ctx: Context, target: Present, message: str) -> Outcome:
    """Whisper to ``target``, a player on another shard: checked and answered here, the
    line relayed to their shard, which delivers it (``WhisperRelay``)."""
    bucket = f"whisper:{target.player_id}"
    problem = chat.may_speak(ctx, "whisper", message, bucket)
    if problem is not None:
        return problem
    chat.spoke(ctx, "whisper", bucket)
    spoken = distortion.speak(
        "whisper",
        ctx.actor,
        message,
        f"{ctx.actor.name} whispers to you: ",
        ctx.rng,
        ctx.rules.lucidity_random_effects,
        f"{ctx.actor.name} whispers to you (strained): ",
    )
    relay = RemoteWhisper(target.shard, target.player_id, spoken.data)
    return Outcome(True, f"You whisper to {target.name}: {spoken.message}", relays=[relay])


def run(ctx: Context, args: list[str]) -> Outcome:
    if len(args) < 2 or not chat.text_of(args[1:]):
        return refused("Whisper to whom, and what? Usage: whisper <player> <text>")
    target = ctx.roster.find_by_name(args[0])
    if target is None:
        elsewhere = ctx.directory.find_elsewhere(args[0])
        if elsewhere is not None:
            return whisper_across(ctx, elsewhere, chat.text_of(args[1:]))
        return refused(f"There is no one called '{args[0]}' online.")
    return whisper_to(ctx, target, chat.text_of(args[1:]))


SPEC = CommandSpec(
    name="whisper",
    aliases=("tell",),
    category="Talking",
    usage="whisper <player> <text>",
    summary="Say something only one player hears, wherever they are.",
    details="They read 'Alice whispers to you: <text>' and can answer with 'reply'.",
    examples=("whisper Bob Meet me at the library.",),
    allowed_when=SPEAKING,
    run=run,
)
