"""The ports to the tables, so handlers can be tested with fake stores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from mythos_contracts.persistence import (
    CharacterName,
    CharacterRecord,
    CharacterStateChanged,
    ChatLine,
    ItemRecord,
    ItemStateChanged,
    PlayerStateChanged,
    StreamHandoff,
)


class StoreUnavailable(RuntimeError):
    """The database cannot be reached right now; the same call may succeed later.

    Raised only for transient conditions (connection refused, database missing or
    restarting, locked SQLite file...), never for a bad value: callers retry on it.
    """


@dataclass(frozen=True)
class StoredPlayer:
    player_id: str
    name: str
    room_id: str | None
    version: int
    updated_at: datetime
    aliases: dict[str, str] = field(default_factory=dict)
    muted_until: datetime | None = None
    active_character_id: str | None = None


class PlayerStore(Protocol):
    async def load(self, player_id: str) -> StoredPlayer | None:
        """The stored row, or None when the player was never saved."""

    async def save_if_newer(self, state: PlayerStateChanged) -> bool:
        """Write ``state`` atomically unless the stored version is >= its version.

        Returns True when the row was written, False when the change was stale.
        """


class CharacterStore(Protocol):
    async def for_account(self, account_id: str) -> list[CharacterRecord]:
        """The account's active (not deleted) characters, oldest first."""

    async def active_names(self) -> list[CharacterName]:
        """Every active character's name, of every account."""

    async def save_if_newer(self, change: CharacterStateChanged) -> bool:
        """Write ``change`` atomically unless the stored version is >= its version (a
        deleted character is kept, marked deleted, and everything it carries and wears
        becomes a tombstone in the same transaction, even when the change is stale).
        True when written, False when stale."""


class ChatStore(Protocol):
    async def add_line(self, line: ChatLine) -> bool:
        """Keep ``line`` (pruning its scope to the newest kept); False when a line with
        its ``line_id`` was already there (a redelivery)."""

    async def recent(self, limit: int, scopes: list[str] | None) -> list[ChatLine]:
        """The newest ``limit`` lines of each scope (of ``scopes``, or all), oldest first."""


class HandoffStore(Protocol):
    async def save(
        self, handoff_id: str, streams: Sequence[StreamHandoff], saved_at: datetime
    ) -> int:
        """Keep each stream under its player, replacing what an earlier save left for
        that player; returns how many players' streams were stored."""

    async def take(
        self, max_age_seconds: float, now: datetime, limit: int = 100
    ) -> tuple[list[StreamHandoff], bool]:
        """The oldest ``limit`` streams saved at most ``max_age_seconds`` before ``now``,
        oldest save first, and whether more are left; the streams returned and every
        stream too old are deleted in the same transaction."""

    async def raise_term(self, shard: str) -> int:
        """Raise ``shard``'s term by one (from 0 when it has none) and return it, stored."""


class ItemStore(Protocol):
    async def save_if_newer(self, change: ItemStateChanged) -> bool:
        """Write ``change`` atomically unless the stored version is >= its version or
        the stored item is gone (a tombstone is final). True when the row was written."""

    async def floor_items(self) -> list[ItemRecord]:
        """Every item lying on a floor, oldest move first."""

    async def held_by(self, character_ids: Sequence[str]) -> list[ItemRecord]:
        """What these characters carry and wear, oldest move first."""
