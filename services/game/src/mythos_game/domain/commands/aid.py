from mythos_contracts.events import Combatant, RoomMessageData

from mythos_game.domain import lucidity
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.outgoing import Outgoing, ToRoom

USAGE = "Aid whom? Usage: aid <player>"


def run(ctx: Context, args: list[str]) -> Outcome:
    wanted = " ".join(args).strip()
    if not wanted:
        return refused(USAGE)
    me = ctx.actor
    target = next(
        (p for p in ctx.roster.in_room(me.room_id) if p.name.lower() == wanted.lower()), None
    )
    if target is None:
        return refused(f"You see no one called '{wanted}' here.")
    if target is me:
        return refused("You cannot tend your own wounds like that.")
    patient = target.character
    if patient.condition != "bleeding":
        return refused(f"{target.name} is not bleeding.")
    if lucidity.misfires(me.character.tier, ctx.rng, ctx.rules.lucidity_random_effects):
        return refused("Your hands will not do what you ask.")
    ctx.status.note(patient, "aid", f"{me.name} binds your wounds. (1/{patient.max_dp} DP)")
    patient.dp = 1
    patient.fell_at = None
    ctx.state.bleed_ticks.pop(patient.id, None)
    line = RoomMessageData(
        kind="aid",
        actor=Combatant(id=me.character.id, name=me.name, kind="player"),
        target=Combatant(id=patient.id, name=target.name, kind="player"),
        text=f"{me.name} binds {target.name}'s wounds.",
    )
    others = ToRoom(me.room_id, frozenset({me.id, target.id}))
    return Outcome(
        True,
        f"You bind {target.name}'s wounds. They will live.",
        [Outgoing("room_message", others, line, me.room_id)],
    )


SPEC = CommandSpec(
    name="aid",
    category="Combat",
    usage="aid <player>",
    summary="Bind the wounds of a bleeding player in the room: they get up with 1 DP.",
    details="Not in the middle of a fight; a troubled mind may fumble it.",
    examples=("aid Bob",),
    allowed_when=frozenset(),
    fighting_refusal="You cannot tend wounds in the middle of a fight.",
    run=run,
)
