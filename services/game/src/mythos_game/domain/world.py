"""The static world: zones, sub-zones, rooms and exits. Plain data, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from mythos_game.domain.character import Profession
    from mythos_game.domain.items import ItemPrototype
    from mythos_game.domain.npcs import NpcDefinition

# Canonical direction -> the words a player may type for it.
DIRECTION_WORDS: dict[str, tuple[str, ...]] = {
    "north": ("n",),
    "south": ("s",),
    "east": ("e",),
    "west": ("w",),
    "northeast": ("ne",),
    "northwest": ("nw",),
    "southeast": ("se",),
    "southwest": ("sw",),
    "up": ("u",),
    "down": ("d",),
}
_DIRECTION_BY_WORD = {
    word: canonical for canonical, short in DIRECTION_WORDS.items() for word in (canonical, *short)
}
_OPPOSITES = (
    ("north", "south"),
    ("east", "west"),
    ("northeast", "southwest"),
    ("northwest", "southeast"),
    ("up", "down"),
)
OPPOSITE_DIRECTION: dict[str, str] = {
    **dict(_OPPOSITES),
    **{back: there for there, back in _OPPOSITES},
}


def canonical_direction(word: str) -> str | None:
    """``'n'``, ``'North'`` -> ``'north'``; None when ``word`` is no direction."""
    return _DIRECTION_BY_WORD.get(word.lower())


def opposite_direction(direction: str) -> str:
    """``'north'`` -> ``'south'``, ``'up'`` -> ``'down'`` (canonical directions only)."""
    return OPPOSITE_DIRECTION[direction]


RoomTest = Callable[[str], bool]
"""Room id -> whether this game runs the world there (the rooms of the zones its shard
owns now: ``ZoneOwners.owns_room``)."""


def every_room(room_id: str) -> bool:
    """The ``RoomTest`` of a game that holds the whole world."""
    return True


@dataclass(frozen=True)
class Exit:
    """One way out of a room.

    ``locked``: listed, but nobody can pass (yet). ``hidden``: neither listed nor
    passable, and refused with the same words as a missing exit. ``one_way``: has no
    way back; the room it leads to need not have a return exit.
    """

    target: str
    locked: bool = False
    hidden: bool = False
    one_way: bool = False


ROOM_FLAGS = ("safe", "sanctuary")
"""``safe``: nobody may start a fight there; ``sanctuary``: ``pray`` works there."""


@dataclass(frozen=True)
class SpawnRule:
    """Keeps up to ``max`` items or NPCs of one prototype coming back to a room."""

    id: str
    """``{room_id}/{index}``: the origin its items and NPCs carry."""
    kind: Literal["item", "npc"]
    prototype: str
    max: int
    every_seconds: float


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    description: str
    _: KW_ONLY
    zone_id: str = ""
    zone: str = ""
    """The zone's display name, e.g. ``Miskatonic University``."""
    subzone_id: str = ""
    subzone: str = ""
    """The sub-zone's display name, e.g. ``Orne Library``."""
    exits: Mapping[str, Exit] = field(default_factory=dict)
    """Canonical direction -> exit, in the order of ``DIRECTION_WORDS``."""
    flags: frozenset[str] = frozenset()
    """Any of ``ROOM_FLAGS``."""
    lucidity_per_minute: float = 0.0
    """Lucidity gained (or, when negative, lost) per game minute spent here."""
    spawns: tuple[SpawnRule, ...] = ()

    @property
    def safe(self) -> bool:
        return "safe" in self.flags

    @property
    def sanctuary(self) -> bool:
        return "sanctuary" in self.flags

    def exit(self, direction: str) -> Exit | None:
        """The exit that way, hidden ones included; None when there is none."""
        return self.exits.get(direction)

    def visible_exits(self) -> dict[str, Exit]:
        """The exits a player is shown: every exit but the hidden ones."""
        return {d: e for d, e in self.exits.items() if not e.hidden}


@dataclass(frozen=True)
class World:
    rooms: dict[str, Room]
    start_room: str
    arrival_rooms: tuple[str, ...] = ()
    """Where new players are placed, in turn; empty means always ``start_room``.
    The generated benchmark world fills rooms of ten this way."""
    _: KW_ONLY
    respawn_room: str = ""
    """Where the dead come back; empty means ``start_room``."""
    asylum_room: str = ""
    """Where a mind at the lucidity floor wakes; empty means ``start_room``."""
    professions: Mapping[str, Profession] = field(default_factory=dict)
    """By id, in the order of the professions file."""
    items: Mapping[str, ItemPrototype] = field(default_factory=dict)
    """Item prototypes by id."""
    npcs: Mapping[str, NpcDefinition] = field(default_factory=dict)
    """NPC definitions by id."""
    _arrivals: list[int] = field(default_factory=lambda: [0], repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen: the defaults are filled in once, here.
        if not self.respawn_room:
            object.__setattr__(self, "respawn_room", self.start_room)
        if not self.asylum_room:
            object.__setattr__(self, "asylum_room", self.start_room)

    def arrival_room(self) -> str:
        """The room a player who was never placed starts in."""
        if not self.arrival_rooms:
            return self.start_room
        index = self._arrivals[0]
        self._arrivals[0] = index + 1
        return self.arrival_rooms[index % len(self.arrival_rooms)]

    def room(self, room_id: str) -> Room:
        return self.rooms[room_id]

    def has_room(self, room_id: str) -> bool:
        return room_id in self.rooms

    def zone_ids(self) -> frozenset[str]:
        """Every zone some room is in (what the shard map must cover)."""
        return frozenset(room.zone_id for room in self.rooms.values())

    def zone_rooms(self, zone_id: str) -> list[str]:
        """The ids of the zone's rooms, sorted (none for an unknown zone)."""
        return sorted(r.id for r in self.rooms.values() if r.zone_id == zone_id)
