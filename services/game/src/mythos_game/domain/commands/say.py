from mythos_game.domain import chat
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.conditions import SPEAKING
from mythos_game.domain.outgoing import ToRoom


def run(ctx: Context, args: list[str]) -> Outcome:
    message = chat.text_of(args)
    if not message:
        return refused("Say what? Usage: say <text>")
    problem = chat.may_speak(ctx, "say", message)
    if problem is not None:
        return problem
    chat.spoke(ctx, "say")
    actor = ctx.actor
    audience = ToRoom(actor.room_id, frozenset({actor.id}))
    spoken, events = chat.said(ctx, "say", message, f"{actor.name} says: ", audience, actor.room_id)
    return Outcome(True, f"You say: {spoken.message}", events)


SPEC = CommandSpec(
    name="say",
    category="Talking",
    usage="say <text>   (or 'text)",
    summary="Speak to everyone in the room.",
    details="The others in the room read 'Alice says: <text>'; nobody in another room hears it.",
    examples=("say Has anyone seen the professor?", "'Over here!"),
    allowed_when=SPEAKING,
    run=run,
)
