"""``PlayerTransfer``: a player crossing from one shard to another (docs/design/shards.md §7).

The shard a player leaves sends the whole player in one message, on the receiving
shard's command key: the stream (epoch, last number, history, answered command ids:
``StreamHandoff``, the message a graceful restart already hands streams over with),
the character as the game stores it (``LoadPlayerReply``: the receiver rebuilds it
exactly as a load would, and asks persistence nothing), the rest of the login (edge,
role, link-dead since when), the hop, the shard it came from, and the command that
moved the player (the receiver answers it).

Sizes: the history is at most ``TRANSFER_HISTORY_LIMIT`` messages (the streams' own
hard cap; a stream keeps 100 messages or 120 s), the answered ids at most
``TRANSFER_ANSWERED_LIMIT`` (what a game keeps per player): typically 10 to 60 KB.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from mythos_contracts.persistence import LoadPlayerReply, StreamHandoff
from mythos_contracts.shard_calls import CarriedCall

TRANSFER_HISTORY_LIMIT = 5000
"""Most history entries a transfer carries (a stream's hard cap)."""
TRANSFER_ANSWERED_LIMIT = 256
"""Most answered command ids a transfer carries (a game keeps the last 256 per player)."""
TRANSFER_ID_PREFIX = "xfer"


def transfer_delivery_id(player_id: str, hop: int) -> str:
    """The transfer's deterministic delivery id, ``xfer:<player>:<hop>``: re-published
    after a crash of the sender it keeps its id, and the receiver handles it once."""
    return f"{TRANSFER_ID_PREFIX}:{player_id}:{hop}"


class PendingCommand(BaseModel):
    """The input that moved the player (a ``go``), which the receiving shard answers:
    its ``command_response`` is numbered there, after the ``room_update`` of arrival."""

    model_config = ConfigDict(extra="forbid")

    delivery_id: StrictStr = Field(min_length=1, max_length=64, description="the edge's id")
    command: str
    command_id: str | None = Field(
        default=None, description="the client's id: remembered with the answer on arrival"
    )
    success: bool = True
    lead: str = Field(
        description="the answer's words before the arrival room's description, which the "
        "receiving shard writes (it alone knows who stands there); the whole answer when "
        "``describe_room`` is False"
    )
    describe_room: bool = True


class PlayerTransfer(BaseModel):
    """One player, leaving ``from_shard`` for the shard whose command key it is sent on."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["player_transfer"] = "player_transfer"
    delivery_id: StrictStr = Field(
        min_length=1, max_length=200, description="``transfer_delivery_id(player, hop)``"
    )
    player_id: str
    player_name: str = Field(description="the account's username")
    from_shard: str
    hop: int = Field(
        ge=1,
        description="rises at every transfer of the player (max(previous + 1, wall-clock "
        "ms): it keeps rising across restarts and logins); a shard ignores a hop of a "
        "player not above the last it took",
    )
    room_id: str = Field(description="the room the player arrives in (a room of the receiver)")
    stream: StreamHandoff = Field(
        description="the stream, continued at ``last + 1`` in the same epoch; "
        "``room_bound`` is False (the edge binds the new room) but in a ``zone_move``"
    )
    stored: LoadPlayerReply = Field(
        description="the player and their characters and items, as a load would give them"
    )
    edge_id: str
    player_role: str = "player"
    linkdead_seconds: float | None = Field(
        default=None,
        ge=0,
        description="how long the connection has been gone (the receiver's link-dead grace "
        "counts on from it); None while connected",
    )
    pending: PendingCommand | None = Field(
        default=None, description="the command that moved the player; None for other moves"
    )
    last_whisper_from: str | None = Field(
        default=None,
        description="the player who whispered to this one last (the target of ``reply``)",
    )
    pending_calls: list[CarriedCall] = Field(
        default_factory=list,
        description="the player's admin commands waiting for another shard's result: "
        "the receiver keeps them pending, so the result (forwarded to it) answers them",
    )
    opening: Literal["login", "resync"] | None = Field(
        default=None,
        description="the player is logging in (or resynced): the sender opened their "
        "stream and published nothing on it; the receiver publishes its ``game_state`` "
        "(number 1, showing the room as the receiver sees it), then the welcome, instead "
        "of a ``room_update``",
    )
    zone_move: bool = Field(
        default=False,
        description="sent with their zone (a live zone move), not moved: they stay where "
        "they stand, so the receiver tells nobody (no ``player_entered``, no "
        "``room_update``; only the answer of ``pending``, if any), and their room stays "
        "bound",
    )

    @model_validator(mode="after")
    def _within_limits(self) -> PlayerTransfer:
        if self.delivery_id != transfer_delivery_id(self.player_id, self.hop):
            raise ValueError("delivery_id must be xfer:<player>:<hop>")
        if self.stream.player_id != self.player_id:
            raise ValueError("the stream is another player's")
        if len(self.stream.history) > TRANSFER_HISTORY_LIMIT:
            raise ValueError(f"history holds more than {TRANSFER_HISTORY_LIMIT} messages")
        if len(self.stream.recent_commands) > TRANSFER_ANSWERED_LIMIT:
            raise ValueError(f"more than {TRANSFER_ANSWERED_LIMIT} answered command ids")
        if self.stored.room_id != self.room_id:
            raise ValueError("the stored room is not the room arrived in")
        if self.opening is not None and (self.stream.last != 0 or self.stream.history):
            raise ValueError("a stream opened elsewhere has published nothing yet")
        if self.stream.room_bound and not self.zone_move:
            raise ValueError("a transferred player's new room is never bound yet")
        return self
