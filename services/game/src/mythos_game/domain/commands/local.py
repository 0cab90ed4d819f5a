from mythos_game.domain import chat
from mythos_game.domain.commands.base import CommandSpec, Context, HistoryLine, Outcome, refused
from mythos_game.domain.conditions import SPEAKING
from mythos_game.domain.outgoing import ToSubzone


def run(ctx: Context, args: list[str]) -> Outcome:
    message = chat.text_of(args)
    if not message:
        return refused("Say what to the area? Usage: local <text>")
    problem = chat.may_speak(ctx, "local", message)
    if problem is not None:
        return problem
    chat.spoke(ctx, "local")
    actor = ctx.actor
    room = ctx.world.room(actor.room_id)
    audience = ToSubzone(room.subzone_id, frozenset({actor.id}))
    prefix = f"[local] {actor.name}: "
    spoken, events = chat.said(ctx, "local", message, prefix, audience, room.id)
    history = [HistoryLine(room.subzone_id, spoken.data)]  # with the speaker's effects only
    return Outcome(True, spoken.data.text, events, history=history)


SPEC = CommandSpec(
    name="local",
    category="Talking",
    usage="local <text>",
    summary="Speak to everyone in this area (the rooms of your sub-zone).",
    details=(
        "Everyone in the rooms of your sub-zone (e.g. Independence Square, Orne Library) "
        "reads '[local] Alice: <text>'. The last lines are shown to players who log in there."
    ),
    examples=("local Anyone near the town hall?",),
    allowed_when=SPEAKING,
    run=run,
)
