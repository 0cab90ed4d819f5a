"""Messages between the game and the persistence service."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mythos_contracts.envelope import EventEnvelope
from mythos_contracts.events import Characteristics, CommandResponseData, Distortion


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoadPlayerRequest(_Message):
    """Request/reply: the stored state of one player (created on first sight)."""

    player_id: str
    name: str


ItemPlaceKind = Literal["room", "carried", "worn", "gone"]


class ItemRecord(_Message):
    """Where one item is, as stored: one row per item (``item_id`` never changes)."""

    item_id: str = Field(min_length=1, max_length=128)
    prototype_id: str = Field(min_length=1, max_length=64, description="its kind, e.g. a lantern")
    location_kind: ItemPlaceKind = Field(
        description="room: on a floor; carried, worn: a character's; gone: destroyed (a "
        "tombstone, so that no older save brings it back)"
    )
    location_id: str | None = Field(
        default=None, description="the room id or the character id; None when gone"
    )
    slot: str | None = Field(default=None, description="worn only: the first slot it fills")
    origin: str | None = Field(
        default=None, description="the spawn rule ({room_id}/{index}) that put it on this floor"
    )
    version: int = Field(ge=1, description="max(previous + 1, wall-clock milliseconds)")

    @model_validator(mode="after")
    def _place_is_whole(self) -> ItemRecord:
        if (self.location_kind == "gone") != (self.location_id is None):
            raise ValueError("location_id is given exactly when the item is not gone")
        if (self.location_kind == "worn") != (self.slot is not None):
            raise ValueError("slot is given exactly when the item is worn")
        if self.origin is not None and self.location_kind != "room":
            raise ValueError("only an item on a floor has an origin")
        return self


class ItemStateChanged(ItemRecord):
    """``save.item``: where an item is now. Idempotent: a version not above the stored
    one changes nothing, and a tombstone (``gone``) is never overwritten by an older save."""


class LoadFloorItemsRequest(_Message):
    """Request/reply (``request.load_floor_items``): every item lying on a floor, which a
    starting game loads before any spawn rule runs."""


class LoadFloorItemsReply(_Message):
    items: list[ItemRecord] = Field(default_factory=list)


class CharacterState(_Message):
    """What changes of a character in play, stored whole as one JSON value (new fields
    need defaults: older rows lack them)."""

    dp: int = Field(ge=-10, description="determination; -10 is death")
    mp: int = Field(ge=0)
    lucidity: int = Field(ge=-100, le=100)
    xp: int = Field(default=0, ge=0)
    fell_at: datetime | None = Field(default=None, description="when DP last fell to 0 or below")
    died_at: datetime | None = Field(default=None, description="when the character died")
    catatonic_since: datetime | None = None
    cooldowns: dict[str, datetime] = Field(
        default_factory=dict, description="name -> when it ends (UTC), e.g. meditate"
    )
    encounters: dict[str, int] = Field(
        default_factory=dict, description="NPC archetype -> times met in a fight"
    )


class CharacterRecord(_Message):
    """One of an account's characters, as stored."""

    character_id: str
    account_id: str
    name: str
    profession: str
    characteristics: Characteristics
    state: CharacterState
    room_id: str | None = Field(description="None until the character is first played")
    version: int = Field(ge=1)


class CharacterStateChanged(CharacterRecord):
    """``save.character``: a character's whole stored state. Idempotent: a version not above
    the stored one is ignored. Versions are ``max(previous + 1, wall-clock ms)``, so they
    keep rising across game restarts."""

    deleted: bool = Field(
        default=False, description="soft-deleted: the name and the slot are free again"
    )


class CharacterName(_Message):
    character_id: str
    account_id: str
    name: str


class CharacterNamesRequest(_Message):
    """Request/reply (``request.character_names``): every active character's name, so the
    game checks names in memory."""


class CharacterNamesReply(_Message):
    names: list[CharacterName]


class LoadPlayerReply(_Message):
    player_id: str
    name: str
    room_id: str | None = Field(description="None when the player has never been placed")
    version: int = Field(ge=0, description="version of the stored state; 0 when new")
    aliases: dict[str, str] = Field(
        default_factory=dict, description="the player's command aliases, name -> expansion"
    )
    muted_until: datetime | None = Field(
        default=None, description="when an admin's mute ends (UTC); None when not muted"
    )
    items: list[ItemRecord] = Field(
        default_factory=list, description="what the account's characters carry and wear"
    )
    characters: list[CharacterRecord] = Field(
        default_factory=list, description="the account's active characters, oldest first"
    )
    active_character_id: str | None = Field(
        default=None, description="the character last played; None before the first"
    )


class PlayerStateChanged(_Message):
    """A durable state change. Writes are idempotent: a version not above the stored one is ignored."""

    player_id: str
    name: str
    room_id: str
    version: int = Field(ge=1)
    aliases: dict[str, str] | None = Field(
        default=None, description="the whole alias table; None leaves the stored one unchanged"
    )
    muted_until: datetime | None = Field(
        default=None, description="when an admin's mute ends (UTC); None when not muted"
    )
    active_character_id: str | None = Field(
        default=None, description="the character last played; None leaves the stored one"
    )


ChatScope = str
"""``global`` for the global channel, else the sub-zone id of a ``local`` line."""

GLOBAL_SCOPE: ChatScope = "global"


class ChatLine(_Message):
    """One ``local`` or ``global`` line, kept for the chat history shown at login.

    Saved with ``save.chat``; ``line_id`` is unique, so a redelivered save changes nothing.
    """

    line_id: str = Field(min_length=1, max_length=64)
    scope: ChatScope = Field(min_length=1, max_length=128)
    channel: Literal["local", "global"]
    player_id: str
    player_name: str
    message: str
    text: str
    sent_at: datetime
    distortion: list[Distortion] = Field(
        default_factory=list,
        description="what the speaker's troubled mind did to the line (glyph); a listener's "
        "own effects are never kept",
    )


class LoadChatHistoryRequest(_Message):
    """Request/reply (``request.chat_history``): the newest lines of each scope."""

    limit: int = Field(default=50, ge=1, le=1000, description="lines per scope")
    scopes: list[ChatScope] | None = Field(
        default=None, description="the scopes wanted; None for every scope"
    )


class ChatHistoryReply(_Message):
    lines: list[ChatLine] = Field(description="oldest first; at most ``limit`` per scope")


class HandoffEntry(_Message):
    seq: int = Field(ge=1)
    age_seconds: float = Field(ge=0, description="how long before the handoff it was sent")
    envelope: EventEnvelope


class StreamHandoff(_Message):
    """One player's stream as a stopping game leaves it, for the next game to continue:
    same epoch, next number ``last + 1``, the history to replay from."""

    player_id: str
    connection_id: str = Field(description="the player's connection at handoff")
    session_id: str
    epoch: str
    opened_for: str = Field(description="the connection the stream's game_state went to")
    last: int = Field(ge=0)
    linkdead: bool = False
    room_bound: bool = Field(
        default=False, description="the player's edge receives their room by the room key"
    )
    history: list[HandoffEntry] = Field(default_factory=list)
    recent_commands: dict[str, CommandResponseData] = Field(
        default_factory=dict, description="command id -> its response, oldest first"
    )


class SaveHandoffRequest(_Message):
    """Request/reply (``request.save_handoff``), in parts: one stopping game's streams."""

    handoff_id: str = Field(min_length=1, max_length=64)
    streams: list[StreamHandoff]


class HandoffSaved(_Message):
    """Reply to ``request.save_handoff``: the streams of this part are stored."""

    saved: int = Field(ge=0)


class TakeHandoffRequest(_Message):
    """Request/reply (``request.take_handoff``): streams handed off at most
    ``max_age_seconds`` ago, ``limit`` per reply (replies stay a few MB: brokers cap message
    size); taking deletes them, so a handoff is continued at most once. Ask again while
    the reply says ``more``."""

    max_age_seconds: float = Field(gt=0)
    limit: int = Field(default=100, ge=1, le=1000)


class HandoffReply(_Message):
    streams: list[StreamHandoff] = Field(default_factory=list)
    more: bool = Field(default=False, description="more streams wait: take again")


class RaiseTermRequest(_Message):
    """Request/reply (``request.raise_term``): a game taking ``shard`` over raises the
    shard's term by one, durably, before it publishes anything. Every envelope it
    publishes carries the term, and edges drop envelopes of an older term than the
    newest they have seen: what a previous owner still had on the way is fenced off."""

    shard: str = Field(min_length=1, max_length=64)


class TermRaised(_Message):
    """Reply to ``request.raise_term``: the shard's new term (1 the first time)."""

    shard: str
    term: int = Field(ge=1)


class SaveFence(_Message):
    """``save.fence``, request/reply on the saves queue: a starting game sends it before
    its first load, and persistence answers (``FenceHandled``) when it reaches it. Saves
    are handled one at a time in queue order, so by then every save queued before the
    fence (the previous game's last ones) is written, and no load can overtake them."""

    fence_id: str = Field(min_length=1, max_length=64, description="names it in logs")


class FenceHandled(_Message):
    """Reply to ``save.fence``: every save queued before the fence is written."""

    fence_id: str


class PersistenceError(_Message):
    """Reply sent instead of the expected one when a request cannot be served."""

    error: str
