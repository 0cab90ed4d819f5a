"""The port to stored items (the persistence service, over the bus): one row per item,
each save a versioned upsert of where it is now."""

from __future__ import annotations

from typing import Protocol

from mythos_game.domain.game_state import Place
from mythos_game.domain.items import Item


class ItemStore(Protocol):
    async def save(self, item: Item, place: Place) -> None:
        """Durably queue where ``item`` is now (``gone``: a tombstone); returns once the
        broker holds it."""
