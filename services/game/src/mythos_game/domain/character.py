"""Characters: the nine characteristics, what they derive, rolling them, professions.

Pure rules, no I/O. Randomness comes in as a ``random.Random`` so tests can seed it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

CHARACTERISTICS: tuple[str, ...] = (
    "str",
    "con",
    "siz",
    "dex",
    "cha",
    "int",
    "pow",
    "edu",
    "luck",
)
"""The characteristics' keys, in the order they are shown."""

CHARACTERISTIC_MIN = 1
CHARACTERISTIC_MAX = 99
STANDARD_VALUE = 50
"""Every characteristic of the standard investigator."""
STANDARD_PROFESSION = "drifter"
"""The profession with no requirements and no changes; every world has it."""

LUCIDITY_MAX = 100
LUCIDITY_MIN = -100

ROLL_METHODS: tuple[str, ...] = ("3d6", "4d6")
# Rolled as (2d6 + 6) x 5 by every method: never below 40.
_SIZE_LIKE = frozenset({"siz", "int", "edu"})


class UnknownRollMethod(ValueError):
    """``roll`` was given a method other than those of ``ROLL_METHODS``."""

    def __init__(self, method: str) -> None:
        self.method = method
        super().__init__(f"Unknown method '{method}'. Methods: {', '.join(ROLL_METHODS)}.")


class Characteristics(Mapping[str, int]):
    """The nine characteristics, each a whole number 1..99; reads (and compares) like a
    read-only dict in the order of ``CHARACTERISTICS``."""

    __slots__ = ("_by_key", "_derived")

    def __init__(self, values: Mapping[str, int]) -> None:
        if set(values) != set(CHARACTERISTICS):
            raise ValueError(f"characteristics must be exactly {', '.join(CHARACTERISTICS)}")
        for key, value in values.items():
            if not CHARACTERISTIC_MIN <= value <= CHARACTERISTIC_MAX:
                raise ValueError(
                    f"characteristic {key} must be between {CHARACTERISTIC_MIN} and "
                    f"{CHARACTERISTIC_MAX}, not {value}"
                )
        self._by_key = {key: values[key] for key in CHARACTERISTICS}
        self._derived: Derived | None = None

    def __getitem__(self, key: str) -> int:
        return self._by_key[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)

    def __repr__(self) -> str:
        return f"Characteristics({self._by_key!r})"

    def as_dict(self) -> dict[str, int]:
        return dict(self._by_key)


STANDARD_CHARACTERISTICS = Characteristics({key: STANDARD_VALUE for key in CHARACTERISTICS})
"""The standard investigator: every characteristic 50 (profession ``drifter``)."""


@dataclass(frozen=True)
class Derived:
    """What the characteristics make of a character."""

    max_dp: int
    max_mp: int
    max_lucidity: int
    max_weight: int
    """Pounds one can carry."""
    damage_bonus: int
    """Added to every melee blow."""


def derive(characteristics: Mapping[str, int]) -> Derived:
    # Characteristics never change in place: each set keeps what it derives (the clock
    # asks every online character's maxima every tick).
    if isinstance(characteristics, Characteristics):
        if characteristics._derived is None:
            characteristics._derived = _derive(characteristics)
        return characteristics._derived
    return _derive(characteristics)


def _derive(characteristics: Mapping[str, int]) -> Derived:
    strength = characteristics["str"]
    return Derived(
        max_dp=(characteristics["con"] + characteristics["siz"]) // 5,
        max_mp=math.ceil(characteristics["pow"] / 5),
        max_lucidity=LUCIDITY_MAX,
        max_weight=strength // 2 + 10,
        damage_bonus=max(0, (strength - 50) // 10),
    )


def roll(method: str, rng: random.Random) -> Characteristics:
    """A fresh set of characteristics; raises ``UnknownRollMethod``.

    ``3d6``: 3d6 x 5; ``4d6``: the best three of 4d6, x 5. SIZ, INT and EDU are
    (2d6 + 6) x 5 either way. The dice are thrown in the order of ``CHARACTERISTICS``.
    """
    if method not in ROLL_METHODS:
        raise UnknownRollMethod(method)
    dice = 4 if method == "4d6" else 3
    values: dict[str, int] = {}
    for key in CHARACTERISTICS:
        if key in _SIZE_LIKE:
            total = _throw(rng, 2) + 6
        else:
            throws = sorted((rng.randint(1, 6) for _ in range(dice)), reverse=True)
            total = sum(throws[:3])
        values[key] = total * 5
    return Characteristics(values)


def _throw(rng: random.Random, dice: int) -> int:
    return sum(rng.randint(1, 6) for _ in range(dice))


@dataclass(frozen=True)
class Profession:
    id: str
    name: str
    description: str
    requires: Mapping[str, int] = field(default_factory=dict)
    """Characteristic -> the least a roll must show (checked before ``changes``)."""
    changes: Mapping[str, int] = field(default_factory=dict)
    """Characteristic -> what is added on create (each result clamped to 1..99)."""
    kit: tuple[str, ...] = ()
    """Item prototype ids a new character of this profession carries."""

    def open_to(self, characteristics: Mapping[str, int]) -> bool:
        """Whether a roll meets every requirement."""
        return all(characteristics[key] >= least for key, least in self.requires.items())

    def apply(self, characteristics: Mapping[str, int]) -> Characteristics:
        """The characteristics after this profession's changes, each clamped to 1..99."""
        return Characteristics(
            {
                key: _clamp(characteristics[key] + self.changes.get(key, 0))
                for key in CHARACTERISTICS
            }
        )


def open_professions(
    characteristics: Mapping[str, int], professions: Iterable[Profession]
) -> list[str]:
    """The ids of the professions a roll qualifies for, in the order given."""
    return [p.id for p in professions if p.open_to(characteristics)]


def _clamp(value: int) -> int:
    return max(CHARACTERISTIC_MIN, min(CHARACTERISTIC_MAX, value))
