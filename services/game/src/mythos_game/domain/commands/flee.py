from mythos_contracts.events import Combatant, CombatEventData

from mythos_game.domain import combat
from mythos_game.domain.commands.attack import arena_of
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome
from mythos_game.domain.fighting import leave_fight
from mythos_game.domain.movement import arrival_text, move_player
from mythos_game.domain.outgoing import Outgoing, ToRoom


def run(ctx: Context, args: list[str]) -> Outcome:
    me = ctx.actor
    character_id = me.character.id
    fight = combat.fight_of(ctx.state.fights, character_id)
    if fight is None:
        return Outcome(False, "You are not fighting anyone.")
    room = ctx.world.room(me.room_id)
    ways = [d for d, way in room.exits.items() if not way.locked and not way.hidden]
    if not ways:
        return Outcome(False, "There is nowhere to flee!")
    opponents = len(fight.targeting(character_id))
    chance = combat.flee_chance(len(ways), opponents, ctx.rules.flee_chance)
    actor = Combatant(id=character_id, name=me.name, kind="player")
    mine = ToRoom(room.id, frozenset({me.id}))
    if ctx.rng.random() >= chance:
        fight.fighters[character_id].skip_blow = True
        data = CombatEventData(
            kind="flee_failed",
            combat_id=fight.id,
            round=fight.round,
            actor=actor,
            target=None,
            text=f"{me.name} tries to flee but cannot get away!",
        )
        return Outcome(
            False,
            "You try to flee but cannot get away!",
            [Outgoing("combat_event", mine, data, room.id)],
        )
    direction = ctx.rng.choice(ways)
    fled = CombatEventData(
        kind="flee",
        combat_id=fight.id,
        round=fight.round,
        actor=actor,
        target=None,
        direction=direction,
        reason="voluntary",
        text=f"{me.name} flees {direction}!",
    )
    events = [Outgoing("combat_event", mine, fled, room.id)]
    arena = arena_of(ctx)
    leave_fight(arena, me, "fled")
    target = room.exits[direction].target
    events += move_player(ctx.world, ctx.roster, me, target, ctx.state)
    events += arena.events
    lead = f"You flee {direction}!"
    text = f"{lead}\n{arrival_text(ctx.world, ctx.roster, target, ctx.state)}"
    return Outcome(True, text, events, state_changed=True, lead=lead)


SPEC = CommandSpec(
    name="flee",
    category="Combat",
    usage="flee",
    summary="Try to run from your fight through a random way out.",
    details=(
        "The chance is 0.5, +0.1 per way out, -0.1 per foe attacking you (0.1 to 0.95). "
        "If you fail you stay and lose your next blow."
    ),
    examples=("flee",),
    run=run,
)
