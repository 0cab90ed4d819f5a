"""Items: prototypes (what the data files define), instances (what is in the world)
and how players name them in commands. Pure rules, no I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

ItemKind = Literal["gear", "weapon", "armor", "consumable", "junk"]
Slot = Literal["head", "body", "hands", "feet", "neck", "main_hand", "off_hand"]
ItemFlag = Literal["no_drop", "no_give"]

ITEM_KINDS: tuple[ItemKind, ...] = ("gear", "weapon", "armor", "consumable", "junk")
SLOTS: tuple[Slot, ...] = ("head", "body", "hands", "feet", "neck", "main_hand", "off_hand")
ITEM_FLAGS: tuple[ItemFlag, ...] = ("no_drop", "no_give")


def slot_text(slot: str) -> str:
    """How a slot reads to players: ``main_hand`` -> ``main hand``."""
    return slot.replace("_", " ")


@dataclass(frozen=True)
class Weapon:
    min_damage: int
    max_damage: int
    verb: str
    """What a blow does, e.g. ``strike``."""


@dataclass(frozen=True)
class Armor:
    protection: int
    """Subtracted from each blow taken."""


@dataclass(frozen=True)
class Consumable:
    verb: str
    """``drink``, ``eat``: what ``use`` says you do."""
    dp: int
    mp: int
    lucidity: int
    message: str


@dataclass(frozen=True)
class ItemPrototype:
    """One kind of item, as defined in ``world/items/*.json``."""

    id: str
    name: str
    """With its article: ``a brass lantern``."""
    keywords: tuple[str, ...]
    description: str
    weight: float
    """Pounds."""
    kind: ItemKind
    slot: Slot | None = None
    two_handed: bool = False
    """Weapons only: also fills ``off_hand``."""
    weapon: Weapon | None = None
    armor: Armor | None = None
    consumable: Consumable | None = None
    flags: frozenset[ItemFlag] = frozenset()

    @property
    def slots(self) -> tuple[Slot, ...]:
        """The wear slots it fills when worn; empty when it cannot be worn."""
        if self.slot is None:
            return ()
        return ("main_hand", "off_hand") if self.two_handed else (self.slot,)


@dataclass(frozen=True)
class Item:
    """One item in the world. Its id is opaque and never changes as it moves."""

    id: str
    prototype: ItemPrototype
    origin: str | None = None
    """The spawn rule (``{room_id}/{index}``) that made it, while it lies on that
    room's floor; None once it has left it."""

    @property
    def name(self) -> str:
        return self.prototype.name

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.prototype.keywords

    @property
    def weight(self) -> float:
        return self.prototype.weight


class Nameable(Protocol):
    """Anything players can name by a word: items, and NPCs too."""

    @property
    def name(self) -> str: ...

    @property
    def keywords(self) -> Sequence[str]: ...


N = TypeVar("N", bound=Nameable)

_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class Target:
    """What a player typed to name things: ``lantern``, ``2.lantern``, ``all``, ``all.tonic``."""

    word: str | None
    """The word to match; None for a bare ``all``."""
    nth: int = 1
    """Which match (1-based); ignored when ``every``."""
    every: bool = False
    """``all`` / ``all.<word>``: every match (only ``get`` and ``drop`` accept it)."""


def parse_target(text: str) -> Target | None:
    """``'2.lantern'`` -> ``Target('lantern', 2)``; None when nothing usable was typed
    (blank, ``0.x``, ``x.`` and the like)."""
    text = text.strip().lower()
    if not text or any(c.isspace() for c in text):
        return None
    if text == "all":
        return Target(None, every=True)
    prefix, dot, rest = text.partition(".")
    if not dot:
        return Target(text)
    if not rest:
        return None
    if prefix == "all":
        return Target(rest, every=True)
    if prefix.isdigit():
        nth = int(prefix)
        return Target(rest, nth) if nth >= 1 else None
    return Target(text)


def words_of(thing: Nameable) -> set[str]:
    """The words a thing answers to: those of its name and of its keywords."""
    found = set(_WORD.findall(thing.name.lower()))
    for keyword in thing.keywords:
        found.add(keyword.lower())
        found.update(_WORD.findall(keyword.lower()))
    return found


def matches(thing: Nameable, word: str) -> bool:
    """Whether one of the thing's words starts with ``word`` (case-insensitive)."""
    word = word.lower()
    return bool(word) and any(w.startswith(word) for w in words_of(thing))


def select(things: Sequence[N], target: Target) -> list[N]:
    """What ``target`` names among ``things`` (in their order): every match for
    ``all``, else the nth match alone, else nothing."""
    found = [t for t in things if target.word is None or matches(t, target.word)]
    if target.every:
        return found
    return [found[target.nth - 1]] if target.nth <= len(found) else []
