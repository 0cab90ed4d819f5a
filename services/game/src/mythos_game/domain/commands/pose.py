from mythos_game.domain import chat
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome


def run(ctx: Context, args: list[str]) -> Outcome:
    actor = ctx.actor
    action = chat.text_of(args)
    if not action:
        if actor.pose is None:
            return Outcome(True, "You have no pose to clear.")
        actor.pose = None
        return Outcome(True, "You drop your pose.")
    problem = chat.may_speak(ctx, "pose", action)
    if problem is not None:
        return problem
    chat.spoke(ctx, "pose")
    actor.pose = chat.acted(actor.name, action)
    return Outcome(True, f"Your pose: {actor.pose}")


SPEC = CommandSpec(
    name="pose",
    category="Talking",
    usage="pose [<description>]",
    summary="Set how others see you standing here (shown by 'look'); 'pose' alone clears it.",
    details="A pose ends when you move or leave the world.",
    examples=("pose leans on the banister, reading a water-stained letter.", "pose"),
    run=run,
)
