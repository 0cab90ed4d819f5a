from mythos_contracts.events import Combatant

from mythos_game.domain import lucidity
from mythos_game.domain.admin import online, system_line
from mythos_game.domain.breakdown import fallout, witnesses_of_death
from mythos_game.domain.character import CHARACTERISTICS
from mythos_game.domain.characters import DP_DEATH, Character
from mythos_game.domain.combat import Died, Fell
from mythos_game.domain.combat_text import combat_events
from mythos_game.domain.commands.base import (
    AuditEntry,
    CommandSpec,
    Context,
    Outcome,
    admin_only,
    refused,
)
from mythos_game.domain.outgoing import Outgoing
from mythos_game.domain.possessions import inventory_update
from mythos_game.domain.roster import Player

USAGE = "setstat <player> <stat> <value>"

LONG_NAMES: dict[str, str] = {
    "str": "strength",
    "con": "constitution",
    "siz": "size",
    "dex": "dexterity",
    "cha": "charisma",
    "int": "intelligence",
    "pow": "power",
    "edu": "education",
    "luck": "luck",
    "dp": "determination",
    "mp": "magic",
    "lcd": "lucidity",
    "xp": "experience",
}
XP_MAX = 1_000_000


def run_guarded(ctx: Context, args: list[str]) -> Outcome:
    if len(args) != 3:
        return refused(f"Usage: {USAGE}")
    target = online(ctx, args[0])
    if isinstance(target, Outcome):
        return target
    stat = args[1].lower()
    if stat not in LONG_NAMES:
        return refused(f"Unknown stat '{args[1]}'. Stats: {', '.join(LONG_NAMES)}.")
    try:
        value = int(args[2])
    except ValueError:
        return refused(f"'{args[2]}' is not a whole number.")
    character = target.character
    least, most = _range(character, stat)
    if not least <= value <= most:
        return refused(f"{stat} must be between {least} and {most}.")
    long_name = LONG_NAMES[stat]
    old = _get(character, stat)
    ctx.status.note(
        character, "admin", f"{ctx.actor.name} sets your {long_name} to {value} (was {old})."
    )
    events = _set(ctx, target, stat, value)
    if target.id != ctx.actor.id:
        events.append(system_line(ctx, target, f"{ctx.actor.name} adjusts your {long_name}."))
    outcome = Outcome(True, f"Set {target.name}'s {long_name} to {value} (was {old}).", events)
    outcome.changed_characters.append(character)
    outcome.audit.append(AuditEntry("setstat", target.name, f"{stat}={value} was={old}"))
    return outcome


def _range(character: Character, stat: str) -> tuple[int, int]:
    if stat in CHARACTERISTICS:
        return 1, 99
    return {
        "dp": (DP_DEATH, character.max_dp),
        "mp": (0, character.max_mp),
        "lcd": (-100, 100),
        "xp": (0, XP_MAX),
    }[stat]


def _get(character: Character, stat: str) -> int:
    if stat in CHARACTERISTICS:
        return character.characteristics[stat]
    return {
        "dp": character.dp,
        "mp": character.mp,
        "lcd": character.lucidity,
        "xp": character.xp,
    }[stat]


def _set(ctx: Context, target: Player, stat: str, value: int) -> list[Outgoing]:
    """Change the stat as play would; what the room is told of a fall or a death."""
    character = target.character
    if stat in CHARACTERISTICS:
        character.set_characteristics({**character.characteristics, stat: value})
        # The carrying limit follows STR.
        return [inventory_update(ctx, target)]
    if stat == "mp":
        character.mp = value
    elif stat == "lcd":
        # As play would: catatonia, the room's line, the sanitarium at -100.
        change = lucidity.set_to(character, value, ctx.status, "admin", None, ctx.now)
        return fallout(ctx.world, ctx.roster, ctx.state, target, change, ctx.status, ctx.now)
    elif stat == "xp":
        character.xp = value
    else:
        return _set_dp(ctx, target, value)
    return []


def _set_dp(ctx: Context, target: Player, value: int) -> list[Outgoing]:
    character = target.character
    before = character.condition
    character.dp = value
    after = character.condition
    if after == before or after == "healthy":
        if after == "healthy":
            character.fell_at = character.died_at = None
        return []
    me = Combatant(id=character.id, name=character.name, kind="player")
    if after == "dead":
        character.died_at = ctx.now
        acts: list[Fell | Died] = [Died(me, None)]
    else:
        character.fell_at = ctx.now
        acts = [Fell(me, None)]
    events = combat_events(
        list(acts),
        target.room_id,
        None,
        0,
        lambda cid: target.id if cid == character.id else None,
        lambda who: f"{who.name} dies.",
    )
    if after == "dead":  # the others in the room watched it
        events += witnesses_of_death(ctx.world, ctx.roster, ctx.state, target, ctx.status, ctx.now)
    return events


run = admin_only("setstat")(run_guarded)

SPEC = CommandSpec(
    name="setstat",
    category="Admin",
    usage=USAGE,
    summary="Set a player's characteristic, determination, magic, lucidity or experience.",
    details=(
        "Stats: str con siz dex cha int pow edu luck (1-99), dp (-10 to the maximum), mp "
        "(0 to the maximum), lcd (-100 to 100), xp (0 or more). The change follows the rules "
        "of play: new characteristics recompute the maxima, DP at 0 or below is a fall and "
        "-10 death. The player gets a status_update (reason 'admin') and a system line."
    ),
    examples=("setstat Bob lcd 30", "setstat Bob dp -3", "setstat Bob str 80"),
    admin=True,
    run=run,
)
