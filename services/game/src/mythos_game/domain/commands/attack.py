from mythos_game.domain import combat
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome, refused
from mythos_game.domain.fighting import Arena, CharacterBody, engage_character, engage_npc
from mythos_game.domain.items import parse_target, select
from mythos_game.domain.npc_life import npcs_in
from mythos_game.domain.roster import Player

USAGE = "Attack what? Usage: attack <target>"
PEACEFUL_ROOM = "This is a place of peace; violence has no place here."
NO_PVP = "You will not raise a hand against another investigator."


def arena_of(ctx: Context) -> Arena:
    return Arena(
        ctx.world,
        ctx.roster,
        ctx.state,
        ctx.rules,
        ctx.rng,
        ctx.status,
        ctx.tick,
        now=ctx.now,
        links=ctx.links,
    )


def run(ctx: Context, args: list[str]) -> Outcome:
    wanted = " ".join(args).strip()
    if not wanted:
        return refused(USAGE)
    me = ctx.actor
    room_id = me.room_id
    if wanted.lower() in ("me", "self", "myself", me.name.lower()):
        return refused("You cannot attack yourself.")
    victim = next(
        (p for p in ctx.roster.in_room(room_id) if p.name.lower() == wanted.lower()), None
    )
    if victim is not None:
        return _attack_character(ctx, victim)
    target = parse_target(wanted)
    found = select(npcs_in(ctx.state, room_id), target) if target is not None else []
    if not found:
        return refused(f"You see no '{wanted}' here.")
    npc = found[0]
    if not npc.definition.fights:
        return refused(f"{npc.Name} is not someone you can fight.")
    if ctx.world.room(room_id).safe:
        return refused(PEACEFUL_ROOM)
    fight = combat.fight_of(ctx.state.fights, me.character.id)
    if fight is not None:
        mine = fight.fighters[me.character.id]
        if mine.target == npc.id:
            return refused(f"You are already fighting {npc.name}.")
        # Another creature here: the room has one fight, which it joins. No extra blow.
        fight.join(npc, me.character.id)
        mine.target = npc.id
        return Outcome(True, f"You turn to attack {npc.name}.")
    # The characters whose vitals change are noted in ctx.status, which saves them.
    events = engage_npc(arena_of(ctx), me, npc)
    return Outcome(True, f"You attack {npc.name}!", events)


def _attack_character(ctx: Context, victim: Player) -> Outcome:
    """Only where GAME_PVP allows it; the fallen and the dead are left alone."""
    if not ctx.rules.pvp:
        return refused(NO_PVP)
    if ctx.world.room(ctx.actor.room_id).safe:
        return refused(PEACEFUL_ROOM)
    if victim.character.condition != "healthy":
        return refused(f"{victim.name} is in no state to fight.")
    me = ctx.actor.character.id
    fight = combat.fight_of(ctx.state.fights, me)
    if fight is not None:
        mine = fight.fighters[me]
        if mine.target == victim.character.id:
            return refused(f"You are already fighting {victim.name}.")
        fight.join(CharacterBody(arena_of(ctx), victim), me)
        mine.target = victim.character.id
        return Outcome(True, f"You turn to attack {victim.name}.")
    events = engage_character(arena_of(ctx), ctx.actor, victim)
    return Outcome(True, f"You attack {victim.name}!", events)


SPEC = CommandSpec(
    name="attack",
    aliases=("hit", "kill", "fight"),
    category="Combat",
    usage="attack <target>",
    summary="Attack a creature in the room, or turn on another one in your fight.",
    details=(
        "Your first blow lands at once; then everyone in the fight strikes once a round, "
        "the quickest (DEX) first. Not in safe rooms; other investigators only where the "
        "game allows it (GAME_PVP)."
    ),
    examples=("attack ghoul", "kill cat", "hit 2.cultist"),
    run=run,
)
