"""NPCs in the world: instances, their presence events, wandering, and how they look.

An NPC instance lives in ``GameState.npcs`` (by id, in order of arrival: a move puts it
last) and is never stored: after a restart the spawn rules make them afresh. Every change
to a room's NPCs goes through ``spawn_npc``, ``move_npc`` or ``remove_npc``, each of which
returns the one ``npc_entered``/``npc_left`` that tells the room, so a client's list of
NPCs never drifts. Pure rules, no I/O.
"""

from __future__ import annotations

import uuid
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Literal

from mythos_contracts.events import NpcPresenceData, NpcPresenceReason, RoomThing

from mythos_game.domain.combat import Strike, fight_of
from mythos_game.domain.game_state import GameState
from mythos_game.domain.npcs import NpcDefinition, capitalized
from mythos_game.domain.outgoing import Outgoing, ToRoom
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.world import Room, SpawnRule, World, opposite_direction

if TYPE_CHECKING:
    from mythos_game.domain.ticks import TickContext, TickOutcome

# Where something came from, as a phrase: "from the south", "from above".
_FROM = {"up": "from above", "down": "from below"}


def new_npc_id() -> str:
    return f"npc-{uuid.uuid4().hex}"


@dataclass
class Npc:
    """One NPC in the world."""

    id: str
    definition: NpcDefinition
    room_id: str
    dp: int
    _: KW_ONLY
    origin: str | None = None
    """The spawn rule that made it (``{room_id}/{index}``); None when an admin did."""
    home_subzone: str = ""
    """The sub-zone of the room it appeared in: it never wanders out of it."""
    moved_tick: int = 0
    """The tick it appeared or last moved (wandering waits ``every_ticks`` from it)."""
    regen_tick: int = 0
    """The tick it last regained a DP, or started to heal."""
    seen: dict[str, int] = field(default_factory=dict)
    """Character id -> the tick this (hostile) NPC first saw them in its room."""
    in_combat: bool = False
    shocked: set[str] = field(default_factory=set)
    """Character ids this (horrifying) NPC already cost lucidity: once per instance."""
    kind: Literal["npc"] = "npc"

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.definition.keywords

    @property
    def prototype(self) -> str:
        return self.definition.id

    @property
    def max_dp(self) -> int:
        return self.definition.dp or 0

    @property
    def dex(self) -> int:
        return self.definition.dex

    @property
    def protection(self) -> int:
        return self.definition.protection

    @property
    def xp(self) -> int:
        return self.definition.xp

    @property
    def able(self) -> bool:
        return True

    def strike(self) -> Strike:
        attack = self.definition.attack
        if attack is None:  # peaceful NPCs never fight; a blow of theirs would do 1
            return Strike(1, 1, "strike")
        return Strike(attack.min_damage, attack.max_damage, attack.verb)

    @property
    def Name(self) -> str:
        return capitalized(self.name)


def npcs_in(state: GameState, room_id: str) -> list[Npc]:
    """The NPCs in a room, in order of arrival."""
    return [npc for npc in state.npcs.values() if npc.room_id == room_id]


def npc_things(state: GameState, room_id: str) -> list[RoomThing]:
    """``Room.npcs``: the NPCs in a room as the protocol lists them."""
    return [RoomThing(id=n.id, prototype=n.prototype, name=n.name) for n in npcs_in(state, room_id)]


def count_origin(state: GameState, origin: str) -> int:
    """NPCs alive anywhere that a spawn rule made."""
    return sum(1 for npc in state.npcs.values() if npc.origin == origin)


def presence(
    npc: Npc,
    event: Literal["npc_entered", "npc_left"],
    reason: NpcPresenceReason,
    *,
    direction: str | None = None,
    text: str | None = None,
) -> Outgoing:
    """The one event that tells everyone in the NPC's room it came or went."""
    data = NpcPresenceData(
        npc_id=npc.id,
        npc_name=npc.name,
        prototype=npc.prototype,
        reason=reason,
        direction=direction,
        text=text,
    )
    return Outgoing(event, ToRoom(npc.room_id), data, npc.room_id)


def spawn_npc(
    state: GameState,
    world: World,
    definition: NpcDefinition,
    room_id: str,
    *,
    tick: int,
    origin: str | None = None,
    npc_id: str | None = None,
) -> tuple[Npc, Outgoing]:
    """A new NPC at full DP in ``room_id``, and the room's ``npc_entered`` (its spawn message)."""
    npc = Npc(
        npc_id or new_npc_id(),
        definition,
        room_id,
        definition.dp or 0,
        origin=origin,
        home_subzone=world.room(room_id).subzone_id,
        moved_tick=tick,
        regen_tick=tick,
    )
    state.npcs[npc.id] = npc
    text = definition.say(definition.spawn_message)
    return npc, presence(npc, "npc_entered", "spawned", text=text)


def remove_npc(state: GameState, npc: Npc, reason: NpcPresenceReason) -> Outgoing:
    """Take the NPC out of the world (it died, or was purged); the room's ``npc_left``."""
    state.npcs.pop(npc.id, None)
    text = f"{npc.Name} is gone." if reason == "purged" else None
    return presence(npc, "npc_left", reason, text=text)


def move_npc(
    state: GameState,
    world: World,
    npc: Npc,
    direction: str,
    reason: Literal["walked", "fled"],
    tick: int,
) -> list[Outgoing]:
    """Move the NPC through the exit ``direction`` of its room: the old room's ``npc_left``
    and the new room's ``npc_entered``. A fled NPC's departure was told by the fight."""
    target = world.room(npc.room_id).exits[direction].target
    came_from = opposite_direction(direction)
    whence = _FROM.get(came_from, f"from the {came_from}")
    if reason == "walked":
        left_text: str | None = f"{npc.Name} goes {direction}."
        entered_text = f"{npc.Name} arrives {whence}."
    else:
        left_text, entered_text = None, f"{npc.Name} stumbles in {whence}."
    left = presence(npc, "npc_left", reason, direction=direction, text=left_text)
    state.npcs.pop(npc.id, None)
    npc.room_id = target
    npc.moved_tick = tick
    npc.seen.clear()
    state.npcs[npc.id] = npc  # last in order of arrival
    entered = presence(npc, "npc_entered", reason, direction=came_from, text=entered_text)
    return [left, entered]


def ways_out(world: World, npc: Npc) -> list[str]:
    """The exits an NPC may take: neither locked nor hidden, into a room of its home
    sub-zone that is not ``safe``."""
    room = world.room(npc.room_id)
    found = []
    for direction, way in room.exits.items():
        if way.locked or way.hidden or not world.has_room(way.target):
            continue
        there = world.room(way.target)
        if there.subzone_id == npc.home_subzone and not there.safe:
            found.append(direction)
    return found


def fighting(state: GameState, npc_id: str) -> bool:
    """Whether a fight counts the NPC among its fighters."""
    return fight_of(state.fights, npc_id) is not None


def wander(ctx: TickContext, outcome: TickOutcome) -> None:
    """The tick's system: each NPC in a room this shard owns that wanders, is not
    fighting and has not moved for its ``every_ticks``, moves with its ``chance``
    through a random way out."""
    for npc in list(ctx.state.npcs.values()):
        how = npc.definition.wander
        if how is None or ctx.tick - npc.moved_tick < how.every_ticks:
            continue
        if not ctx.owns(npc.room_id):
            continue  # in a zone moved away: it goes with the zone's state
        if fighting(ctx.state, npc.id):
            continue
        # In the tests' "always" mode every chance-based effect fires, wandering too.
        always = ctx.rules.lucidity_random_effects == "always"
        if not always and ctx.rng.random() >= how.chance:
            continue
        ways = ways_out(ctx.world, npc)
        if ways:
            direction = ctx.rng.choice(ways)
            outcome.events.extend(
                move_npc(ctx.state, ctx.world, npc, direction, "walked", ctx.tick)
            )


def regenerate(ctx: TickContext, outcome: TickOutcome) -> None:
    """NPCs out of combat and below their maximum regain 1 DP every ``dp_regen_ticks``
    (in the rooms this shard owns)."""
    period = ctx.rules.dp_regen_ticks
    for npc in ctx.state.npcs.values():
        if not ctx.owns(npc.room_id):
            continue
        if npc.dp >= npc.max_dp or fighting(ctx.state, npc.id):
            npc.regen_tick = ctx.tick
            continue
        if ctx.tick - npc.regen_tick >= period:
            npc.dp += 1
            npc.regen_tick = ctx.tick


def fighting_whom(state: GameState, roster: Roster, fighter_id: str) -> str | None:
    """The name of whom a fighter (an NPC, a character) fights now; None when not fighting."""
    fight = fight_of(state.fights, fighter_id)
    if fight is None:
        return None
    target = fight.fighters[fighter_id].target
    if target is None:
        return None
    npc = state.npcs.get(target)
    if npc is not None:
        return str(npc.name)
    player = next((p for p in roster.online() if p.character.id == target), None)
    return player.name if player is not None else None


def creature_labels(state: GameState, roster: Roster, room_id: str) -> list[str]:
    """The room ``look``'s creatures: ``a ghoul (fighting Ada)``, ``a stray cat``."""
    labels = []
    for npc in npcs_in(state, room_id):
        whom = fighting_whom(state, roster, npc.id)
        labels.append(f"{npc.name} (fighting {whom})" if whom else npc.name)
    return labels


def person_mark(state: GameState, player: Player) -> str:
    """What ``who`` adds to a player's name: `` (fighting)`` while they fight."""
    return " (fighting)" if fight_of(state.fights, player.character.id) is not None else ""


def here_mark(state: GameState, player: Player) -> str:
    """What the room ``look`` adds to a player's name: `` (dead)``, `` (bleeding)``,
    `` (catatonic)`` or `` (fighting)``, the first that applies."""
    character = player.character
    if character.condition != "healthy":
        return f" ({character.condition})"
    if character.tier == "catatonic":
        return " (catatonic)"
    return person_mark(state, player)


def condition_line(npc: Npc) -> str:
    """How hurt it looks: at its maximum, at half or more, or below half."""
    if npc.dp >= npc.max_dp:
        return "It looks unhurt."
    if npc.dp * 2 >= npc.max_dp:
        return "It is wounded."
    return "It is badly wounded."


def describe_npc(npc: Npc, fighting_name: str | None) -> str:
    """What ``look <npc>`` shows: name, description, then (NPCs that fight) how hurt it
    is and, while it fights, whom."""
    lines = [npc.name, npc.definition.description]
    if npc.definition.fights:
        lines.append(condition_line(npc))
        if fighting_name is not None:
            lines.append(f"It is fighting {fighting_name}.")
    return "\n".join(lines)


# -- spawn rules of kind "npc" (``spawning.SPAWN_KINDS``) ---------------------------


def count_rule(ctx: TickContext, room: Room, rule: SpawnRule) -> int:
    return count_origin(ctx.state, rule.id)


def spawn_rule(ctx: TickContext, room: Room, rule: SpawnRule, outcome: TickOutcome) -> bool:
    definition = ctx.world.npcs[rule.prototype]
    _, entered = spawn_npc(ctx.state, ctx.world, definition, room.id, tick=ctx.tick, origin=rule.id)
    outcome.events.append(entered)
    return True


def rule_period(ctx: TickContext, rule: SpawnRule) -> float:
    respawn = ctx.world.npcs[rule.prototype].respawn_seconds
    return respawn if respawn is not None else rule.every_seconds
