"""NPC definitions, as the data files give them. Pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Temperament = Literal["peaceful", "passive", "hostile"]
ShockCategory = Literal["disturbing", "horrific", "cosmic"]

TEMPERAMENTS: tuple[Temperament, ...] = ("peaceful", "passive", "hostile")
SHOCK_CATEGORIES: tuple[ShockCategory, ...] = ("disturbing", "horrific", "cosmic")

DEFAULT_SPAWN_MESSAGE = "{Name} appears."
DEFAULT_ENGAGE_MESSAGE = "{Name} attacks {target}!"
DEFAULT_DEATH_MESSAGE = "{Name} dies."
MESSAGE_FIELDS = frozenset({"Name", "name", "target"})
"""The placeholders a message may use: the NPC's name (capitalised or not), and
whom it engages."""


def capitalized(name: str) -> str:
    """``a ghoul`` -> ``A ghoul`` (only the first letter changes)."""
    return name[:1].upper() + name[1:]


@dataclass(frozen=True)
class Attack:
    verb: str
    min_damage: int
    max_damage: int


@dataclass(frozen=True)
class Horror:
    """What meeting it costs the mind (a shock by category, counted per archetype)."""

    category: ShockCategory
    archetype: str


@dataclass(frozen=True)
class Wander:
    every_ticks: int
    chance: float


@dataclass(frozen=True)
class Loot:
    item: str
    """An item prototype id."""
    chance: float
    """0..1, rolled once at death."""


@dataclass(frozen=True)
class NpcDefinition:
    """One kind of NPC, as defined in ``world/npcs/*.json``."""

    id: str
    name: str
    """With its article: ``a ghoul``."""
    keywords: tuple[str, ...]
    description: str
    temperament: Temperament
    dex: int
    """Initiative."""
    dp: int | None
    """None only for peaceful NPCs, which cannot be fought."""
    attack: Attack | None
    protection: int = 0
    xp: int = 0
    lucidity: Horror | None = None
    wander: Wander | None = None
    aggro_delay_ticks: int = 0
    """Hostile only: ticks a character must share its room before it engages."""
    flee_below_dp: int = 0
    """0 = never flees."""
    respawn_seconds: float | None = None
    """None: the spawn rule's own period."""
    loot: tuple[Loot, ...] = ()
    spawn_message: str = DEFAULT_SPAWN_MESSAGE
    engage_message: str = DEFAULT_ENGAGE_MESSAGE
    death_message: str = DEFAULT_DEATH_MESSAGE

    @property
    def fights(self) -> bool:
        return self.temperament != "peaceful"

    def say(self, template: str, target: str = "") -> str:
        """One of its messages with the placeholders filled in."""
        return template.format(Name=capitalized(self.name), name=self.name, target=target)
