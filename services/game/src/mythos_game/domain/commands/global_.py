from mythos_contracts.persistence import GLOBAL_SCOPE

from mythos_game.domain import chat, distortion
from mythos_game.domain.commands.base import CommandSpec, Context, HistoryLine, Outcome, refused
from mythos_game.domain.conditions import SPEAKING
from mythos_game.domain.outgoing import ToEveryone, WorldLine


def run(ctx: Context, args: list[str]) -> Outcome:
    message = chat.text_of(args)
    if not message:
        return refused("Say what to everyone? Usage: global <text>")
    problem = chat.may_speak(ctx, "global", message)
    if problem is not None:
        return problem
    chat.spoke(ctx, "global")
    actor = ctx.actor
    if ctx.spans_shards:
        # Heard by everyone in the lobby's order, this shard's players included.
        spoken = distortion.speak(
            "global",
            actor,
            message,
            f"[global] {actor.name}: ",
            ctx.rng,
            ctx.rules.lucidity_random_effects,
        )
        line = WorldLine("global", spoken.data, exclude_speaker=True)
        return Outcome(True, spoken.data.text, world_lines=[line])
    audience = ToEveryone(frozenset({actor.id}))
    spoken, events = chat.said(ctx, "global", message, f"[global] {actor.name}: ", audience)
    history = [HistoryLine(GLOBAL_SCOPE, spoken.data)]  # with the speaker's effects only
    return Outcome(True, spoken.data.text, events, history=history)


SPEC = CommandSpec(
    name="global",
    aliases=("gossip",),
    category="Talking",
    usage="global <text>",
    summary="Speak to every player online.",
    details=(
        "Everyone online reads '[global] Alice: <text>'. "
        "The last lines are shown to players as they log in."
    ),
    examples=("global Good evening, Arkham.",),
    allowed_when=SPEAKING,
    run=run,
)
