"""The world directory: who is on which shard (docs/architecture.md, "The world directory").

Each active shard publishes, on the events exchange, a ``DirectoryDelta`` whenever one of
its players arrives, leaves, moves or drops their link (``directory.delta``), and every
second a ``ShardSnapshot`` of all of its players (``directory.shard``). Every game
instance keeps a replica from both; entries are ordered per player, never across shards:

- by ``hop`` (it rises at every login and every crossing, so the newest place wins);
- at the same hop, an absence over a presence (the player left from there);
- between two presences of one hop, by ``stamp`` (the shard's wall-clock time of the
  change), so a late delta never undoes a newer snapshot.

Between shards, a whisper to a player on another shard is a ``WhisperRelay`` on that
shard's command key: the sender's shard checked and answered it, the target's stamps it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from mythos_contracts.events import ChatMessageData


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Present(_Strict):
    """``player_id`` is in the world on ``shard``, as of ``stamp``."""

    state: Literal["present"] = "present"
    player_id: str
    name: str = Field(description="the character played")
    shard: str
    hop: int = Field(ge=0, description="rises at every login and crossing of the player")
    stamp: float = Field(description="the shard's wall-clock time of this state")
    room_id: str
    linkdead: bool = False
    role: str = "player"


class Absent(_Strict):
    """``player_id`` left ``shard``: logged out (``left``) or crossed to ``crossed_to``."""

    state: Literal["absent"] = "absent"
    player_id: str
    shard: str
    hop: int = Field(ge=0, description="the hop of the presence this ends")
    stamp: float
    reason: Literal["left", "crossed"] = "left"
    crossed_to: str | None = None


DirectoryEntry = Annotated[Present | Absent, Field(discriminator="state")]


class DirectoryDelta(_Strict):
    """One change of one player's presence (``directory.delta``)."""

    kind: Literal["directory_delta"] = "directory_delta"
    entry: DirectoryEntry


class ShardSnapshot(_Strict):
    """An active shard's every player, published every ``GAME_DIRECTORY_SNAPSHOT_SECONDS``
    (``directory.shard``): a replica that missed a delta, or started late, converges."""

    kind: Literal["shard_snapshot"] = "shard_snapshot"
    shard: str
    term: int = Field(ge=0)
    instance: str = Field(description="the active instance's id (GAME_INSTANCE_ID)")
    at: float = Field(description="the shard's wall-clock time the list was taken")
    started_at: float = Field(description="when the instance took the shard over")
    players: list[Present] = Field(default_factory=list)
    journaled: bool = Field(
        default=True,
        description="whether the shard's game records its work in a journal: only such a "
        "shard may take a zone (without one, a restart would forget it owns it)",
    )


class WhisperRelay(_Strict):
    """A whisper to ``player_id``, who is on the shard whose command key carries it: the
    sender's shard checked it (rate, mute) and answered the sender; the receiving shard
    sends ``line`` to the player and makes the sender their ``reply`` target."""

    kind: Literal["whisper_relay"] = "whisper_relay"
    delivery_id: StrictStr = Field(min_length=1, max_length=64)
    player_id: str = Field(description="the one whispered to")
    from_player_id: str = Field(description="the sender (the target of a reply)")
    from_shard: str
    line: ChatMessageData = Field(description="the line as the target reads it")
