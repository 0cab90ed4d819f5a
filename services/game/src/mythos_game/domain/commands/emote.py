from mythos_game.domain import chat
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.conditions import SPEAKING
from mythos_game.domain.outgoing import ToRoom


def run(ctx: Context, args: list[str]) -> Outcome:
    action = chat.text_of(args)
    if not action:
        return refused("Do what? Usage: emote <action>")
    problem = chat.may_speak(ctx, "emote", action)
    if problem is not None:
        return problem
    chat.spoke(ctx, "emote")
    actor = ctx.actor
    audience = ToRoom(actor.room_id, frozenset({actor.id}))
    prefix = chat.acting(actor.name, action)
    spoken, events = chat.said(ctx, "emote", action, prefix, audience, actor.room_id)
    return Outcome(True, spoken.data.text, events)


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
