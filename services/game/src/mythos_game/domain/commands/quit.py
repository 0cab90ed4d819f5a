from mythos_contracts.close_codes import CloseCode

from mythos_game.domain.commands.base import CommandSpec, Context, Outcome
from mythos_game.domain.conditions import BLEEDING, CATATONIC, DEAD
from mythos_game.domain.outgoing import Disconnect

CLOSE_NORMAL = CloseCode.NORMAL


def run(ctx: Context, args: list[str]) -> Outcome:
    goodbye = Disconnect(ctx.actor.id, CLOSE_NORMAL, "goodbye", leave_world=True)
    return Outcome(True, "You leave Arkham behind, for now. Goodbye.", disconnects=[goodbye])


SPEC = CommandSpec(
    name="quit",
    aliases=("logout", "exit"),
    category="Session",
    usage="quit",
    summary="Leave the world now and close the connection.",
    details=(
        "The room sees you leave at once (no link-dead wait); your place and aliases are "
        "kept for your next visit."
    ),
    allowed_when=frozenset({BLEEDING, DEAD, CATATONIC}),
    fighting_refusal="You cannot quit in the middle of a fight.",
    run=run,
)
