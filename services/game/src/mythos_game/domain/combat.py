"""Fights: at most one per room, resolved in rounds on the game clock. Pure rules, no I/O.

A fight knows its fighters (characters and NPCs, by id), each one's current target and,
for NPCs, the threat each character earned by hurting it. Who the fighters *are* (name,
DEX, DP, weapon, protection) comes in as ``Body`` objects, whose ``dp`` the blows lower:
an NPC instance is one, a character is wrapped as one by the caller. Randomness comes in
as a ``random.Random`` so tests can seed it.

What happened comes back as a list of acts (``Hit``, ``Fell``, ``Died``…), in the order
they happened; ``combat_events`` turns them into each recipient's ``combat_event``.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from mythos_contracts.events import Combatant

DP_FLOOR = -10
"""A character's DP never goes lower; at it they are dead."""

CombatantKind = Literal["player", "npc"]
LeaveReason = Literal["died", "fell", "fled", "left", "gone"]
EndReason = Literal["victory", "fled", "left", "gone"]
_END_REASONS: dict[LeaveReason, EndReason] = {
    "died": "victory",
    "fell": "victory",
    "fled": "fled",
    "left": "left",
    "gone": "gone",
}


def new_combat_id() -> str:
    return f"cb-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Strike:
    """What one blow of a fighter deals, before the target's protection."""

    min_damage: int
    max_damage: int
    verb: str
    """``claw``, ``strike``; ``punch`` unarmed."""
    weapon: str | None = None
    """The weapon's name (with its article), or None (unarmed, or an NPC)."""
    bonus: int = 0
    """Added to the roll (a character's damage bonus)."""


class Body(Protocol):
    """A fighter as the rules need it. ``dp`` is lowered by the blows it takes."""

    dp: int

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> CombatantKind: ...
    @property
    def dex(self) -> int: ...
    @property
    def max_dp(self) -> int: ...
    @property
    def protection(self) -> int: ...
    @property
    def xp(self) -> int:
        """What killing it is worth (NPCs; 0 for characters)."""
        ...

    @property
    def able(self) -> bool:
        """Whether it can act on its turn (conscious, not catatonic)."""
        ...

    def strike(self) -> Strike: ...


def ref(body: Body) -> Combatant:
    return Combatant(id=body.id, name=body.name, kind=body.kind)


# -- what happens ---------------------------------------------------------------


@dataclass(frozen=True)
class Engaged:
    actor: Combatant
    target: Combatant
    message: str | None = None
    """An NPC's engage message, with ``{target}`` still to fill per recipient."""


@dataclass(frozen=True)
class Hit:
    actor: Combatant
    target: Combatant
    damage: int
    verb: str
    weapon: str | None
    target_dp: int
    target_max_dp: int


@dataclass(frozen=True)
class Retargeted:
    actor: Combatant
    target: Combatant


@dataclass(frozen=True)
class Fell:
    target: Combatant
    actor: Combatant | None


@dataclass(frozen=True)
class Died:
    target: Combatant
    actor: Combatant | None
    xp: int | None = None
    """NPC deaths at a character's hand: what the killer gains."""


@dataclass(frozen=True)
class Fled:
    actor: Combatant
    direction: str
    reason: Literal["voluntary", "terror"] = "voluntary"


@dataclass(frozen=True)
class FleeFailed:
    actor: Combatant


@dataclass(frozen=True)
class Ended:
    reason: EndReason
    characters: tuple[Combatant, ...]
    """The characters still in the fight, each told it is over."""


Act = Engaged | Hit | Retargeted | Fell | Died | Fled | FleeFailed | Ended


# -- the fight ------------------------------------------------------------------


@dataclass
class Fighter:
    id: str
    kind: CombatantKind
    joined: int
    """Order of joining: earlier joiners act first among equals."""
    target: str | None = None
    threat: dict[str, int] = field(default_factory=dict)
    """NPCs: character id -> damage that character dealt to it."""
    skip_blow: bool = False
    """A character whose ``flee`` failed since the last round loses their next blow."""


@dataclass
class Fight:
    id: str
    room_id: str
    next_round_tick: int
    """The tick of the next round."""
    round: int = 0
    """The last round resolved (0 before the first)."""
    fighters: dict[str, Fighter] = field(default_factory=dict)
    last_leave: LeaveReason = "left"
    """Why the last fighter left: what an end of the fight says."""
    over: bool = False
    _joins: int = 0

    def join(self, body: Body, target: str | None) -> Fighter:
        """Add a fighter (no change if already in); a fighter without a target takes ``target``."""
        fighter = self.fighters.get(body.id)
        if fighter is None:
            self._joins += 1
            fighter = self.fighters[body.id] = Fighter(body.id, body.kind, self._joins)
        if fighter.target is None:
            fighter.target = target
        return fighter

    def leave(self, fighter_id: str, reason: LeaveReason) -> None:
        if self.fighters.pop(fighter_id, None) is not None:
            self.last_leave = reason

    def of_kind(self, kind: CombatantKind) -> list[Fighter]:
        return [f for f in self.fighters.values() if f.kind == kind]

    def targeting(self, fighter_id: str) -> list[Fighter]:
        """The fighters whose target is ``fighter_id``, in order of joining."""
        return [f for f in self.fighters.values() if f.target == fighter_id]


def fight_in(fights: Mapping[str, Fight], room_id: str) -> Fight | None:
    return next((f for f in fights.values() if f.room_id == room_id and not f.over), None)


def fight_of(fights: Mapping[str, Fight], fighter_id: str) -> Fight | None:
    return next((f for f in fights.values() if fighter_id in f.fighters and not f.over), None)


def engage(
    fights: dict[str, Fight],
    room_id: str,
    attacker: Body,
    target: Body,
    *,
    tick: int,
    round_ticks: int,
    new_id: Callable[[], str] = new_combat_id,
) -> Fight:
    """``attacker`` takes on ``target`` in the room's fight (started when there is none;
    its first round comes ``round_ticks`` later). The attacker's target becomes
    ``target``; a target not yet fighting turns on the attacker."""
    fight = fight_in(fights, room_id)
    if fight is None:
        fight = Fight(new_id(), room_id, tick + round_ticks)
        fights[fight.id] = fight
    fight.join(attacker, target.id).target = target.id
    fight.join(target, attacker.id)
    return fight


def blow(fight: Fight, attacker: Body, target: Body, rng: random.Random) -> list[Act]:
    """One blow of ``attacker`` on ``target``: it always hits, for the strike's roll plus
    its bonus less the target's protection, at least 1. A character at DP 0 or below
    falls and at -10 dies; an NPC at 0 dies. Either way it leaves the fight."""
    strike = attacker.strike()
    rolled = rng.randint(strike.min_damage, strike.max_damage) + strike.bonus
    damage = max(1, rolled - target.protection)
    floor = 0 if target.kind == "npc" else DP_FLOOR
    target.dp = max(floor, target.dp - damage)
    if target.kind == "npc":
        victim = fight.fighters.get(target.id)
        if victim is not None and attacker.kind == "player":
            victim.threat[attacker.id] = victim.threat.get(attacker.id, 0) + damage
    acts: list[Act] = [
        Hit(
            ref(attacker),
            ref(target),
            damage,
            strike.verb,
            strike.weapon,
            target.dp,
            target.max_dp,
        )
    ]
    if target.kind == "npc" and target.dp <= 0:
        fight.leave(target.id, "died")
        xp = target.xp if attacker.kind == "player" else None
        acts.append(Died(ref(target), ref(attacker), xp))
    elif target.kind == "player" and target.dp <= DP_FLOOR:
        fight.leave(target.id, "died")
        acts.append(Died(ref(target), ref(attacker)))
    elif target.kind == "player" and target.dp <= 0:
        fight.leave(target.id, "fell")
        acts.append(Fell(ref(target), ref(attacker)))
    return acts


def _turn_order(fight: Fight, bodies: Mapping[str, Body]) -> list[Fighter]:
    """Highest DEX first; on a tie characters before NPCs, then earlier joiners."""
    present = [f for f in fight.fighters.values() if f.id in bodies]
    return sorted(present, key=lambda f: (-bodies[f.id].dex, f.kind != "player", f.joined))


def _player_target(fight: Fight, fighter: Fighter) -> str | None:
    """The target still in the fight; else an NPC that targets them; else any NPC."""
    if fighter.target in fight.fighters:
        return fighter.target
    npcs = fight.of_kind("npc")
    chasing = [f for f in npcs if f.target == fighter.id]
    chosen = chasing or npcs
    fighter.target = chosen[0].id if chosen else None
    return fighter.target


def _npc_target(fight: Fight, fighter: Fighter) -> str | None:
    """The character with the most threat; ties go to the current target, then to
    whoever joined first."""
    characters = fight.of_kind("player")
    if not characters:
        return None
    most = max(fighter.threat.get(c.id, 0) for c in characters)
    top = [c for c in characters if fighter.threat.get(c.id, 0) == most]
    if any(c.id == fighter.target for c in top):
        return fighter.target
    return min(top, key=lambda c: c.joined).id


def resolve_round(
    fight: Fight,
    bodies: Mapping[str, Body],
    rng: random.Random,
    *,
    flee_ways: Callable[[str], list[str]] = lambda npc_id: [],
    flee_below: Callable[[str], int] = lambda npc_id: 0,
) -> list[Act]:
    """One round: every fighter that can act deals one blow to its target, in turn order
    (``_turn_order``). An NPC below its ``flee_below`` DP flees instead, through one of its
    ``flee_ways`` (it stays when there is none). Ends with the fight's end, if it ended."""
    fight.round += 1
    acts: list[Act] = []
    for fighter in _turn_order(fight, bodies):
        if fighter.id not in fight.fighters:
            continue  # fell, died or fled earlier in this round
        if fighter.skip_blow:
            fighter.skip_blow = False
            continue
        body = bodies[fighter.id]
        if not body.able:
            continue
        if fighter.kind == "npc":
            if body.dp < flee_below(fighter.id):
                ways = flee_ways(fighter.id)
                if ways:
                    direction = rng.choice(ways)
                    fight.leave(fighter.id, "fled")
                    acts.append(Fled(ref(body), direction))
                    continue
            chosen = _npc_target(fight, fighter)
            if chosen is not None and chosen != fighter.target:
                fighter.target = chosen
                acts.append(Retargeted(ref(body), ref(bodies[chosen])))
        else:
            chosen = _player_target(fight, fighter)
        if chosen is None or chosen not in bodies:
            continue
        acts.extend(blow(fight, body, bodies[chosen], rng))
    acts.extend(settle(fight, bodies))
    return acts


def _opposed(fight: Fight) -> bool:
    """Whether the fight goes on: a character and an NPC, or two characters one of whom
    targets the other (only where players may fight players)."""
    characters = fight.of_kind("player")
    if characters and fight.of_kind("npc"):
        return True
    ids = {c.id for c in characters}
    return any(c.target in ids and c.target != c.id for c in characters)


def settle(fight: Fight, bodies: Mapping[str, Body]) -> list[Act]:
    """End the fight when nobody in it is opposed to anyone; the characters still in it
    are told (``Ended``). Call after anyone leaves."""
    if fight.over or _opposed(fight):
        return []
    fight.over = True
    characters = tuple(ref(bodies[f.id]) for f in fight.of_kind("player") if f.id in bodies)
    fight.fighters.clear()
    return [Ended(_END_REASONS[fight.last_leave], characters)] if characters else []


def flee_chance(usable_exits: int, opponents: int, fixed: float | None = None) -> float:
    """``fixed`` when set; else 0.5 + 0.1 per usable exit - 0.1 per opponent targeting
    the one fleeing, clamped to 0.1..0.95."""
    if fixed is not None:
        return fixed
    return min(0.95, max(0.1, 0.5 + 0.1 * usable_exits - 0.1 * opponents))
