"""The port to stored player state (the persistence service, over the bus)."""

from __future__ import annotations

from typing import Protocol

from mythos_contracts.persistence import (
    CharacterName,
    CharacterStateChanged,
    LoadPlayerReply,
    PlayerStateChanged,
)


class PlayerStoreUnavailable(RuntimeError):
    """The stored state could not be read right now."""


class PlayerStore(Protocol):
    async def load(self, player_id: str, name: str) -> LoadPlayerReply: ...

    async def save(self, change: PlayerStateChanged) -> None:
        """Durably queue the change; returns once the broker holds it."""

    async def save_character(self, change: CharacterStateChanged) -> None:
        """Durably queue a character's change; returns once the broker holds it."""

    async def character_names(self) -> list[CharacterName]:
        """Every active character's name; raises ``PlayerStoreUnavailable``."""
