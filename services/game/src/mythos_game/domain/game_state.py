"""The game's mutable state besides the roster: where every item is, the NPCs and
fights (kept by their own modules), and the spawn rules' timers. Pure data, no I/O.

Every item is in exactly one place. Items move only through the methods here, which
also note each moved item, so the service layer saves exactly what changed (it takes
the notes with ``take_changed`` after each command and tick, as it takes the roster's
moves).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from mythos_game.domain.items import SLOTS, Item, Slot

PlaceKind = Literal["room", "carried", "worn", "gone"]


@dataclass(frozen=True)
class Place:
    """Where an item is: a room's floor, a character's hands or pack, one of their wear
    slots, or nowhere any more (``gone``: destroyed; stored as a tombstone)."""

    kind: PlaceKind
    id: str | None = None
    """The room id (``room``) or the character id (``carried``, ``worn``)."""
    slot: Slot | None = None
    """``worn`` only: the first slot it fills (``main_hand`` for a two-handed weapon)."""


GONE = Place("gone")


def new_item_id() -> str:
    return f"it-{uuid.uuid4().hex}"


@dataclass
class GameState:
    floors: dict[str, list[Item]] = field(default_factory=dict)
    """Room id -> the items on its floor, in order of arrival."""
    carried: dict[str, list[Item]] = field(default_factory=dict)
    """Character id -> what they carry, in order of arrival."""
    worn: dict[str, dict[Slot, Item]] = field(default_factory=dict)
    """Character id -> slot -> item; a two-handed item fills both hands."""
    npcs: dict[str, Any] = field(default_factory=dict)
    """NPC id -> NPC instance (``domain/npcs.py``); not stored."""
    fights: dict[str, Any] = field(default_factory=dict)
    """Fights by id (``domain/combat.py``); not stored."""
    ambience: dict[str, float] = field(default_factory=dict)
    """Character id -> the fraction of a lucidity point their surroundings have built up
    (``domain/lucidity.py``); not stored."""
    bleed_ticks: dict[str, int] = field(default_factory=dict)
    """Character id -> ticks bled since their last lost DP; not stored."""
    regen_ticks: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Character id -> ticks toward their next DP and MP; not stored."""
    dead_since: dict[str, float] = field(default_factory=dict)
    """Character id -> since when (epoch seconds) they lie dead in the world."""
    wards: dict[str, float] = field(default_factory=dict)
    """Character id -> when (epoch seconds) their arrival ward ends: until then hostile
    NPCs leave them alone; not stored."""
    spawn_due: dict[str, float] = field(default_factory=dict)
    """Spawn rule id -> when (epoch seconds) its next item or NPC appears; a rule at its
    ``max`` has no entry."""
    floor_since: dict[str, float] = field(default_factory=dict)
    """Item id -> since when (epoch seconds) it has lain on a floor with no spawn-rule
    origin, as first seen by the floor decay (``floor_decay.py``)."""
    spawns_started: bool = False
    """True once every rule was filled at start (after the floors were loaded)."""
    new_id: Callable[[], str] = new_item_id
    """Makes the id of a new item (tests pass a counter)."""
    _where: dict[str, Place] = field(default_factory=dict, repr=False)
    _items: dict[str, Item] = field(default_factory=dict, repr=False)
    _changed: dict[str, tuple[Item, Place]] = field(default_factory=dict, repr=False)
    """Item id -> the item and its place after its last change, until taken."""

    # -- reading ---------------------------------------------------------------

    def floor(self, room_id: str) -> list[Item]:
        return list(self.floors.get(room_id, ()))

    def carried_by(self, character_id: str) -> list[Item]:
        return list(self.carried.get(character_id, ()))

    def worn_by(self, character_id: str) -> dict[Slot, Item]:
        """Slot -> item, in the order of ``SLOTS``."""
        worn = self.worn.get(character_id, {})
        return {slot: worn[slot] for slot in SLOTS if slot in worn}

    def worn_items(self, character_id: str) -> list[Item]:
        """Each worn item once (a two-handed weapon fills two slots), in slot order."""
        seen: dict[str, Item] = {}
        for item in self.worn_by(character_id).values():
            seen.setdefault(item.id, item)
        return list(seen.values())

    def place_of(self, item_id: str) -> Place:
        """Where the item is; ``GONE`` for one destroyed or never known."""
        return self._where.get(item_id, GONE)

    def item(self, item_id: str) -> Item | None:
        return self._items.get(item_id)

    def count_origin(self, room_id: str, origin: str) -> int:
        """Items on a room's floor that a spawn rule put there and nobody moved since."""
        return sum(1 for item in self.floors.get(room_id, ()) if item.origin == origin)

    def items(self) -> Iterator[tuple[Item, Place]]:
        """Every item in the world and where it is."""
        for item_id, item in self._items.items():
            yield item, self._where[item_id]

    # -- moving ------------------------------------------------------------------

    def put_on_floor(self, room_id: str, item: Item, *, loaded: bool = False) -> None:
        """``loaded``: it was already there (read from storage): nothing to save."""
        self._detach(item.id)
        self.floors.setdefault(room_id, []).append(item)
        self._at(item, Place("room", room_id), loaded)

    def give_to(self, character_id: str, item: Item, *, loaded: bool = False) -> Item:
        """Into a character's carried list; an item leaving a floor loses its origin."""
        self._detach(item.id)
        item = replace(item, origin=None) if item.origin is not None else item
        self.carried.setdefault(character_id, []).append(item)
        self._at(item, Place("carried", character_id), loaded)
        return item

    def wear(
        self, character_id: str, slots: tuple[Slot, ...], item: Item, *, loaded: bool = False
    ) -> None:
        """Into wear slots, which must be free."""
        self._detach(item.id)
        item = replace(item, origin=None) if item.origin is not None else item
        worn = self.worn.setdefault(character_id, {})
        for slot in slots:
            assert slot not in worn, f"{slot} of {character_id} is taken"
            worn[slot] = item
        self._at(item, Place("worn", character_id, slots[0]), loaded)

    def destroy(self, item: Item) -> None:
        """Gone for good (used, purged, its owner deleted): saved as a tombstone."""
        self._detach(item.id)
        self._where.pop(item.id, None)
        self._items.pop(item.id, None)
        self._changed[item.id] = (item, GONE)

    def forget_character(self, character_id: str) -> list[Item]:
        """Take a character's items out of memory (they left the world; their items stay
        stored as they are). Nothing to save."""
        gone = [*self.carried_by(character_id), *self.worn_items(character_id)]
        for item in gone:
            self._detach(item.id)
            self._where.pop(item.id, None)
            self._items.pop(item.id, None)
        self.carried.pop(character_id, None)
        self.worn.pop(character_id, None)
        return gone

    def forget_floor(self, room_id: str) -> list[Item]:
        """Take what lies on a room's floor out of memory, in order (its zone moved to
        another shard; the items stay stored as they are). Nothing to save; a change
        made before and not yet taken is still saved."""
        gone = self.floor(room_id)
        for item in gone:
            self._detach(item.id)
            self._where.pop(item.id, None)
            self._items.pop(item.id, None)
        return gone

    def take_changed(self) -> list[tuple[Item, Place]]:
        """The items moved, made or destroyed since the last call, each once, where it
        went last (``GONE`` for a destroyed one)."""
        changed = list(self._changed.values())
        self._changed.clear()
        return changed

    def _at(self, item: Item, place: Place, loaded: bool) -> None:
        self._where[item.id] = place
        self._items[item.id] = item
        if not loaded:
            self._changed[item.id] = (item, place)

    def _detach(self, item_id: str) -> None:
        place = self._where.get(item_id)
        if place is None or place.id is None:
            return
        if place.kind == "room":
            _remove(self.floors, place.id, item_id)
        elif place.kind == "carried":
            _remove(self.carried, place.id, item_id)
        elif place.kind == "worn":
            worn = self.worn.get(place.id, {})
            for slot in [s for s, i in worn.items() if i.id == item_id]:
                del worn[slot]
            if not worn:
                self.worn.pop(place.id, None)


def _remove(lists: dict[str, list[Item]], key: str, item_id: str) -> None:
    things = lists.get(key)
    if things is None:
        return
    things[:] = [i for i in things if i.id != item_id]
    if not things:
        del lists[key]
