from mythos_contracts.events import ChatMessageData

from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.outgoing import Outgoing, ToRoom


def run(ctx: Context, args: list[str]) -> Outcome:
    message = " ".join(args).strip()
    if not message:
        return refused("Say what? Usage: say <text>")
    actor = ctx.actor
    chat = ChatMessageData(
        channel="say",
        player_id=actor.id,
        player_name=actor.name,
        message=message,
        text=f"{actor.name} says: {message}",
    )
    event = Outgoing(
        "chat_message", ToRoom(actor.room_id, frozenset({actor.id})), chat, actor.room_id
    )
    return Outcome(True, f"You say: {message}", [event])


SPEC = CommandSpec(
    name="say",
    category="Talking",
    usage="say <text>",
    summary="Speak to everyone in the room.",
    examples=("say Has anyone seen the professor?",),
    run=run,
)
