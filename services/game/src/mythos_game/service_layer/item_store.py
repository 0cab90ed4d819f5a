"""Items between the game state and storage: the port to stored items (the persistence
service, over the bus), and ``ItemRecords``, which turns items into save messages with
rising versions and stored records back into items.

Versions are ``max(previous + 1, wall-clock milliseconds)``: they keep rising across game
restarts, so a game that reloaded version v while a save of v+1 was still queued never
issues its own v+1 (§10.2).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from mythos_contracts.persistence import ItemRecord, ItemStateChanged

from mythos_game.domain.game_state import GameState, Place
from mythos_game.domain.items import SLOTS, Item, Slot
from mythos_game.domain.world import World

log = logging.getLogger(__name__)


class ItemStore(Protocol):
    async def save_item(self, change: ItemStateChanged) -> None:
        """Durably queue where an item is now; returns once the broker holds it."""


class ItemRecords:
    """The stored version of every item the game holds, and the translation both ways."""

    def __init__(self, world: World, clock: Callable[[], float] = time.time) -> None:
        self._world = world
        self._clock = clock
        self._versions: dict[str, int] = {}

    def change(self, item: Item, place: Place) -> ItemStateChanged:
        """The save message for ``item`` now at ``place``, with its next version."""
        version = max(self._versions.get(item.id, 0) + 1, int(self._clock() * 1000))
        if place.kind == "gone":
            self._versions.pop(item.id, None)
        else:
            self._versions[item.id] = version
        return ItemStateChanged(
            item_id=item.id,
            prototype_id=item.prototype.id,
            location_kind=place.kind,
            location_id=place.id,
            slot=place.slot,
            origin=item.origin if place.kind == "room" else None,
            version=version,
        )

    def record(self, item: Item, place: Place) -> ItemRecord:
        """What is stored of an item the game holds (for a player who leaves the world)."""
        return ItemRecord(
            item_id=item.id,
            prototype_id=item.prototype.id,
            location_kind=place.kind,
            location_id=place.id,
            slot=place.slot,
            origin=item.origin if place.kind == "room" else None,
            version=self._versions.get(item.id, 1),
        )

    def place(self, state: GameState, records: Iterable[ItemRecord]) -> int:
        """Put stored items where they were (nothing to save); returns how many. An item
        whose prototype or room the world no longer has is left in storage, logged."""
        placed = 0
        for record in records:
            prototype = self._world.items.get(record.prototype_id)
            if prototype is None or record.location_id is None:
                log.warning(
                    "item %s of unknown kind %r left out", record.item_id, record.prototype_id
                )
                continue
            item = Item(record.item_id, prototype, origin=record.origin)
            self._versions[item.id] = max(self._versions.get(item.id, 0), record.version)
            if record.location_kind == "room":
                if not self._world.has_room(record.location_id):
                    log.warning("item %s lies in unknown room %s", item.id, record.location_id)
                    continue
                state.put_on_floor(record.location_id, item, loaded=True)
            elif record.location_kind == "worn" and _slots_free(state, record, prototype.slots):
                state.wear(record.location_id, prototype.slots, item, loaded=True)
            else:
                # Carried, or worn where the slots are taken (a prototype changed its
                # slot): in the pack, as stored at the next move.
                state.give_to(record.location_id, item, loaded=True)
            placed += 1
        return placed

    def forget(self, items: Iterable[Item]) -> None:
        for item in items:
            self._versions.pop(item.id, None)


def _slots_free(state: GameState, record: ItemRecord, slots: tuple[Slot, ...]) -> bool:
    worn = state.worn_by(record.location_id or "")
    return bool(slots) and record.slot in SLOTS and not any(s in worn for s in slots)


class ItemSaves:
    """Saves what moved in the game state after each command and tick (none without a
    store: a game run on its own)."""

    def __init__(self, records: ItemRecords, store: ItemStore | None = None) -> None:
        self.records = records
        self._store = store

    async def save_changed(self, state: GameState) -> None:
        for item, place in state.take_changed():
            change = self.records.change(item, place)
            if self._store is not None:
                await self._store.save_item(change)

    def held(self, state: GameState, character_id: str) -> list[ItemRecord]:
        """What a character carries and wears, as stored."""
        return [
            self.records.record(item, state.place_of(item.id))
            for item in (*state.carried_by(character_id), *state.worn_items(character_id))
        ]
