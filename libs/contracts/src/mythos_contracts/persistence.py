"""Messages between the game and the persistence service."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoadPlayerRequest(_Message):
    """Request/reply: the stored state of one player (created on first sight)."""

    player_id: str
    name: str


class LoadPlayerReply(_Message):
    player_id: str
    name: str
    room_id: str | None = Field(description="None when the player has never been placed")
    version: int = Field(ge=0, description="version of the stored state; 0 when new")


class PlayerStateChanged(_Message):
    """A durable state change. Writes are idempotent: a version not above the stored one is ignored."""

    player_id: str
    name: str
    room_id: str
    version: int = Field(ge=1)


class PersistenceError(_Message):
    """Reply sent instead of the expected one when a request cannot be served."""

    error: str
