from mythos_game.domain import chat
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.conditions import SPEAKING
from mythos_game.domain.outgoing import Outgoing, ToRoom


def run(ctx: Context, args: list[str]) -> Outcome:
    action = chat.text_of(args)
    if not action:
        return refused("Do what? Usage: emote <action>")
    problem = chat.may_speak(ctx, "emote", action)
    if problem is not None:
        return problem
    chat.spoke(ctx, "emote")
    actor = ctx.actor
    text = chat.acted(actor.name, action)
    data = chat.line("emote", actor, action, text)
    event = Outgoing(
        "chat_message", ToRoom(actor.room_id, frozenset({actor.id})), data, actor.room_id
    )
    return Outcome(True, text, [event])


SPEC = CommandSpec(
    name="emote",
    aliases=("me",),
    category="Talking",
    usage="emote <action>   (or :action)",
    summary="Act something out for the room: 'emote laughs.' shows 'Alice laughs.'",
    details="You read the same line as the others in the room.",
    examples=("emote laughs.", "me shivers in the fog.", "emote 's lantern gutters."),
    allowed_when=SPEAKING,
    run=run,
)
