"""Lucidity: the scale and its tiers, how a change is told, shocks, drains and anchors
by place, the rituals, misfires and terror. Pure rules, no I/O.

Every change goes through ``shift`` (or ``set_to``), which notes its cause in the
status ledger *before* changing the character, clamps to -100..100 and keeps
``catatonic_since`` in step with the tier. What a change leads to beyond the character
(the room's ``catatonic`` line, leaving a fight, the sanitarium) is ``consequences.py``'s.
Randomness comes in as a ``random.Random`` so tests can seed it; every chance-based
effect obeys the ``RandomEffects`` mode (``GAME_LUCIDITY_RANDOM_EFFECTS``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Literal

from mythos_contracts.events import StatusReason, Tier

from mythos_game.domain.character import LUCIDITY_MAX, LUCIDITY_MIN
from mythos_game.domain.characters import Character, tier_of
from mythos_game.domain.npcs import Horror, ShockCategory
from mythos_game.domain.rules import RandomEffects
from mythos_game.domain.status import StatusLedger


def fires(chance: float, rng: random.Random, mode: RandomEffects) -> bool:
    """Whether a chance-based effect happens. ``rng`` is drawn from only in ``on`` mode."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    return rng.random() < chance


def clamp(lucidity: int) -> int:
    return max(LUCIDITY_MIN, min(LUCIDITY_MAX, lucidity))


def told(delta: int) -> str:
    """``-6`` -> ``(-6 lucidity)``; ``1`` -> ``(+1 lucidity)``; ``0`` -> ``(+0 lucidity)``."""
    return f"({'-' if delta < 0 else '+'}{abs(delta)} lucidity)"


# -- changing it -------------------------------------------------------------------


@dataclass(frozen=True)
class Shift:
    """A change of one character's lucidity: before and after."""

    before: int
    after: int

    @property
    def became_catatonic(self) -> bool:
        return tier_of(self.before) != "catatonic" and tier_of(self.after) == "catatonic"

    @property
    def at_floor(self) -> bool:
        """It reached -100: the sanitarium takes them (§8.9)."""
        return self.after <= LUCIDITY_MIN


def set_to(
    character: Character,
    value: int,
    ledger: StatusLedger,
    reason: StatusReason,
    text: str | None,
    now: float,
) -> Shift:
    """Set ``character``'s lucidity to ``value`` (clamped), noting the cause first.
    Catatonia starts (``catatonic_since``) or ends with the tier."""
    ledger.note(character, reason, text)
    before = character.lucidity
    character.lucidity = clamp(value)
    if character.tier == "catatonic":
        if character.catatonic_since is None:
            character.catatonic_since = now
    else:
        character.catatonic_since = None
    return Shift(before, character.lucidity)


def shift(
    character: Character,
    delta: int,
    ledger: StatusLedger,
    reason: StatusReason,
    text: str | None,
    now: float,
) -> Shift:
    """Add ``delta`` (negative: a loss) to ``character``'s lucidity; see ``set_to``."""
    return set_to(character, character.lucidity + delta, ledger, reason, text, now)


# -- shocks (§8.4) -------------------------------------------------------------------

FIRST_SHOCK: dict[ShockCategory, int] = {"disturbing": 6, "horrific": 12, "cosmic": 20}
REPEAT_SHOCK: dict[ShockCategory, int] = {"disturbing": 2, "horrific": 5, "cosmic": 10}
DULLED_FROM_REPEAT = 6
"""From this repeat on, a repeated shock costs half (at least 1)."""
WITNESS_LOSS = 4


def encounter_loss(category: ShockCategory, seen_before: int) -> int:
    """What meeting one more of an archetype costs, having met ``seen_before`` of them."""
    if seen_before <= 0:
        return FIRST_SHOCK[category]
    repeat = REPEAT_SHOCK[category]
    if seen_before >= DULLED_FROM_REPEAT:
        return max(1, repeat // 2)
    return repeat


def encounter(
    character: Character, npc_name: str, horror: Horror, ledger: StatusLedger, now: float
) -> Shift:
    """``character`` became engaged in a fight with an NPC of ``horror``: the shock, and
    one more of its archetype in the character's (stored) ledger."""
    seen = character.encounters.get(horror.archetype, 0)
    loss = encounter_loss(horror.category, seen)
    character.encounters[horror.archetype] = seen + 1
    text = f"The sight of {npc_name} claws at your reason. {told(-loss)}"
    return shift(character, -loss, ledger, "encounter", text, now)


def shaken_by_death(character: Character) -> bool:
    """Whether ``character`` loses lucidity for watching another character die."""
    return character.condition != "dead" and character.tier != "catatonic"


def witnessed_death(
    character: Character, dead_name: str, ledger: StatusLedger, now: float
) -> Shift:
    text = f"Watching {dead_name} die shakes you. {told(-WITNESS_LOSS)}"
    return shift(character, -WITNESS_LOSS, ledger, "witnessed_death", text, now)


# -- places (§8.3) and catatonic drift (§8.8) -------------------------------------------


def accrue(balance: float, rate: float) -> tuple[float, int]:
    """Add one game minute of ``rate`` to a fractional ``balance``: the balance left and
    the whole points due now (towards zero: -0.5 twice is -1, then 0 left)."""
    total = balance + rate
    # The rates are short decimals (0.5, -0.25): guard the sum against float dust.
    whole = math.floor(total + 1e-9) if total >= 0 else math.ceil(total - 1e-9)
    rest = total - whole
    return (0.0 if abs(rest) < 1e-9 else rest), whole


def ambience_text(points: int) -> str:
    if points < 0:
        return f"This place gnaws at you. {told(points)}"
    return f"This place steadies you. {told(points)}"


CATATONIC_DRIFT = -1
DRIFT_TEXT = f"You drift deeper into the dark. {told(CATATONIC_DRIFT)}"


# -- rituals (§8.5) --------------------------------------------------------------------


@dataclass(frozen=True)
class Ritual:
    name: Literal["meditate", "pray"]
    gain: int
    response: str
    """What the one who performs it reads, before the ``(+6 lucidity, 82/100)``."""
    room: str
    """What the others in the room read; ``{name}`` is the performer."""


MEDITATE = Ritual(
    "meditate",
    6,
    "You sit and breathe until the world holds still.",
    "{name} sits very still, breathing slowly.",
)
PRAY = Ritual("pray", 8, "You kneel and pray, and something listens.", "{name} kneels in prayer.")

RITUAL_FIGHTING = "You cannot find stillness in the middle of a fight."
NO_SANCTUARY = "There is no holy place here to pray in."


def cooldown_left(character: Character, name: str, now: float) -> float:
    """Seconds until ``name`` (``meditate``, ``pray``, ``terror``) may happen again; 0 when
    it may now. Cooldowns are absolute times, so reconnects and restarts keep them."""
    ends = character.cooldowns.get(name)
    return 0.0 if ends is None else max(0.0, ends - now)


def wait_text(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60 - 1e-9))
    unit = "minute" if minutes == 1 else "minutes"
    return f"You cannot find that calm again yet. Try again in {minutes} {unit}."


def perform(
    character: Character,
    ritual: Ritual,
    cooldown_seconds: float,
    ledger: StatusLedger,
    now: float,
) -> tuple[str, Shift]:
    """Do ``ritual`` (its cooldown checked by the caller): the gain (none past 100), the
    cooldown started, and the response. The status_update tells the same line."""
    gain = min(ritual.gain, max(0, LUCIDITY_MAX - character.lucidity))
    after = clamp(character.lucidity + gain)
    line = f"{ritual.response} ({told(gain)[1:-1]}, {after}/{LUCIDITY_MAX})"
    change = shift(character, gain, ledger, ritual.name, line, now)
    character.cooldowns[ritual.name] = now + cooldown_seconds
    return line, change


# -- misfires and terror (§8.6) ----------------------------------------------------------

MISFIRE_TEXT = "Your hands will not do what you ask."
MISFIRE_CHANCE: dict[Tier, float] = {"fractured": 0.10, "deranged": 0.25}


def misfires(tier: Tier, rng: random.Random, mode: RandomEffects) -> bool:
    """Whether a delicate act (``aid``, ``ground``, ``use``) fails for a mind in ``tier``."""
    chance = MISFIRE_CHANCE.get(tier)
    return chance is not None and fires(chance, rng, mode)


TERROR_CHANCE = 0.20
TERROR_SHARE = 0.15
"""A blow of at least this share of max DP (rounded up) may set a deranged mind running."""


def terror_strikes(
    character: Character,
    damage: int,
    cooldown_seconds: float,
    rng: random.Random,
    mode: RandomEffects,
    now: float,
) -> bool:
    """Whether a blow of ``damage`` makes ``character`` flee in terror; if so the terror
    cooldown starts (at most one flight per ``GAME_TERROR_FLEE_COOLDOWN_SECONDS``)."""
    if character.tier != "deranged" or character.condition != "healthy":
        return False
    if damage < math.ceil(character.max_dp * TERROR_SHARE):
        return False
    if cooldown_left(character, "terror", now) > 0:
        return False
    if not fires(TERROR_CHANCE, rng, mode):
        return False
    character.cooldowns["terror"] = now + cooldown_seconds
    return True


def terror_way(
    character: Character,
    damage: int,
    ways: list[str],
    cooldown_seconds: float,
    rng: random.Random,
    mode: RandomEffects,
    now: float,
) -> str | None:
    """The way a deranged ``character`` hit for ``damage`` flees in terror (a random one
    of ``ways``, the usable exits), or None when they hold (or cannot run)."""
    if not ways or not terror_strikes(character, damage, cooldown_seconds, rng, mode, now):
        return None
    return rng.choice(ways)
