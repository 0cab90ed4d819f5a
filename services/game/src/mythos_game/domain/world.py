"""The static world: rooms and exits. Plain data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

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


def canonical_direction(word: str) -> str | None:
    """``'n'``, ``'North'`` -> ``'north'``; None when ``word`` is no direction."""
    return _DIRECTION_BY_WORD.get(word.lower())


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    description: str
    zone: str
    exits: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class World:
    rooms: dict[str, Room]
    start_room: str

    def room(self, room_id: str) -> Room:
        return self.rooms[room_id]

    def has_room(self, room_id: str) -> bool:
        return room_id in self.rooms
