"""The in-world character: an account's investigator with its vitals, and the names taken.

``character.py`` holds the rules (characteristics, derived values, rolls, professions);
this module holds the mutable character the commands, fights and ticks work on. An
account keeps up to ``Rules.max_characters`` of them and plays one at a time
(``Player.character``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field

from mythos_contracts.events import (
    Characteristics as CharacteristicsView,
)
from mythos_contracts.events import (
    CharacterSummary,
    CharacterView,
    Condition,
    Status,
    Tier,
)

from mythos_game.domain.character import (
    LUCIDITY_MAX,
    STANDARD_CHARACTERISTICS,
    STANDARD_PROFESSION,
    Characteristics,
    Derived,
    derive,
)

DP_DEATH = -10
"""DP at which a character is dead (and the floor of DP)."""

NAME_RULE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{2,19}$")
"""A character's name: a letter, then 2 to 19 letters, digits or '_' (the username rule)."""

# Lowest lucidity of each tier, highest tier first (docs/protocol.md, "Characters").
_TIERS: tuple[tuple[int, Tier], ...] = (
    (70, "lucid"),
    (40, "uneasy"),
    (20, "fractured"),
    (1, "deranged"),
)


def tier_of(lucidity: int) -> Tier:
    """``lucid`` 70..100, ``uneasy`` 40..69, ``fractured`` 20..39, ``deranged`` 1..19,
    ``catatonic`` at 0 and below."""
    for least, tier in _TIERS:
        if lucidity >= least:
            return tier
    return "catatonic"


def condition_of(dp: int) -> Condition:
    """``healthy`` at DP >= 1, ``bleeding`` at -10 < DP <= 0, ``dead`` at -10."""
    if dp >= 1:
        return "healthy"
    return "bleeding" if dp > DP_DEATH else "dead"


@dataclass
class Character:
    """One investigator. Stored whole on every change (``save.character``); the service
    layer sets ``version`` as it saves."""

    id: str
    account_id: str
    name: str
    profession: str
    characteristics: Characteristics
    dp: int
    mp: int
    _: KW_ONLY
    lucidity: int = LUCIDITY_MAX
    xp: int = 0
    room_id: str | None = None
    """None until first played; kept in step with ``Player.room_id`` while in the world."""
    version: int = 0
    """Version of the stored state; 0 when never saved."""
    in_combat: bool = False
    """True from engagement until the fight ends for this character (fights are not stored)."""
    fell_at: float | None = None
    """Wall-clock epoch seconds DP last fell to 0 or below."""
    died_at: float | None = None
    catatonic_since: float | None = None
    cooldowns: dict[str, float] = field(default_factory=dict)
    """Name (``meditate``, ``pray``...) -> wall-clock epoch seconds it ends."""
    encounters: dict[str, int] = field(default_factory=dict)
    """NPC archetype -> times this character met one in a fight."""
    deleted: bool = False

    @property
    def derived(self) -> Derived:
        return derive(self.characteristics)

    @property
    def max_dp(self) -> int:
        return self.derived.max_dp

    @property
    def max_mp(self) -> int:
        return self.derived.max_mp

    @property
    def condition(self) -> Condition:
        return condition_of(self.dp)

    @property
    def tier(self) -> Tier:
        return tier_of(self.lucidity)

    def set_characteristics(self, characteristics: Mapping[str, int]) -> None:
        """New characteristics; the maxima follow, and DP and MP are clamped to them."""
        self.characteristics = Characteristics(characteristics)
        derived = self.derived
        self.dp = min(self.dp, derived.max_dp)
        self.mp = min(self.mp, derived.max_mp)

    def status(self) -> Status:
        derived = self.derived
        return Status(
            dp=self.dp,
            max_dp=derived.max_dp,
            mp=self.mp,
            max_mp=derived.max_mp,
            lucidity=self.lucidity,
            max_lucidity=derived.max_lucidity,
            tier=self.tier,
            condition=self.condition,
            in_combat=self.in_combat,
            xp=self.xp,
        )

    def view(self) -> CharacterView:
        """What ``game_state`` says of this character."""
        return CharacterView(
            profession=self.profession,
            characteristics=characteristics_view(self.characteristics),
            status=self.status(),
        )

    def summary(self, playing: bool) -> CharacterSummary:
        return CharacterSummary(
            id=self.id,
            name=self.name,
            profession=self.profession,
            playing=playing,
            room_id=self.room_id,
            condition=self.condition,
        )


def characteristics_view(values: Mapping[str, int]) -> CharacteristicsView:
    return CharacteristicsView.model_validate(dict(values))


def new_character(
    character_id: str,
    account_id: str,
    name: str,
    profession: str,
    characteristics: Mapping[str, int],
) -> Character:
    """A fresh character at full DP, MP and lucidity, not yet in the world."""
    chars = Characteristics(characteristics)
    derived = derive(chars)
    return Character(
        character_id, account_id, name, profession, chars, derived.max_dp, derived.max_mp
    )


def standard_investigator(character_id: str, account_id: str, name: str) -> Character:
    """The first character of every account: every characteristic 50, a drifter
    (DP 20/20, MP 10/10, lucidity 100)."""
    return new_character(
        character_id, account_id, name, STANDARD_PROFESSION, STANDARD_CHARACTERISTICS
    )


class CharacterNames:
    """Every active character's name (any account), for the case-insensitive uniqueness
    check; loaded at start, kept up to date as characters are created and deleted."""

    def __init__(self, names: Mapping[str, str] | None = None) -> None:
        self._owner: dict[str, str] = {}
        """Lower-case name -> character id."""
        self.loaded = names is not None
        """False until the stored names are known (``create`` waits for them)."""
        if names is not None:
            self.load(names)

    def load(self, names: Mapping[str, str]) -> None:
        """Add the stored names (name -> character id) to those taken since the start."""
        for name, character_id in names.items():
            self.take(name, character_id)
        self.loaded = True

    def owner(self, name: str) -> str | None:
        """The id of the active character called ``name`` (any case), if any."""
        return self._owner.get(name.lower())

    def taken(self, name: str) -> bool:
        return name.lower() in self._owner

    def take(self, name: str, character_id: str) -> None:
        self._owner[name.lower()] = character_id

    def free(self, name: str, character_id: str) -> None:
        if self._owner.get(name.lower()) == character_id:
            del self._owner[name.lower()]

    def first_free(self, name: str, character_id: str) -> str:
        """``name`` if it is free or already ``character_id``'s, else ``{name}1``,
        ``{name}2``... (the first-login rule)."""
        candidate, n = name, 0
        while (owner := self.owner(candidate)) is not None and owner != character_id:
            n += 1
            candidate = f"{name}{n}"
        return candidate

    def __len__(self) -> int:
        return len(self._owner)
