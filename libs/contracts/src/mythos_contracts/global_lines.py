"""``global`` and ``broadcast`` across shards (docs/design/shards.md §9): one order for
every player.

The speaker's shard checks the line (rate, mute, role), answers the speaker and sends it
to the lobby as ``GlobalSaid`` on ``command.lobby.<speaker>``. The lobby handles its
inputs one at a time, so the order it reads them in is the world's: it saves a
``global`` line once (``save.chat``) and relays each as ``GlobalLine`` on
``command._all.global_line``, which every shard's inbox receives in that order and
stamps for its own players. Both are journaled in their units' outboxes; a relay
published again after a crash keeps its ``delivery_id`` (derived from the said line's),
so a shard that stamped it skips it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from mythos_contracts.events import ChatMessageData
from mythos_contracts.persistence import ChatLine

GLOBAL_LINE_KIND = "global_line"
"""The word of ``GlobalLine``'s key on ``command._all`` (``all_shards_key``)."""

WorldChannel = Literal["global", "broadcast"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GlobalSaid(_Strict):
    """A checked line for every player, from the speaker's shard to the lobby."""

    kind: Literal["global_said"] = "global_said"
    delivery_id: StrictStr = Field(min_length=1, max_length=64)
    player_id: str = Field(description="the speaker")
    from_shard: str
    channel: WorldChannel
    line: ChatMessageData = Field(description="the line with the speaker's effects only")
    exclude_speaker: bool = Field(description="the speaker reads their answer, not the line")


class GlobalLine(_Strict):
    """A line in the lobby's order, for every shard to stamp for its own players."""

    kind: Literal["global_line"] = "global_line"
    delivery_id: StrictStr = Field(min_length=1, max_length=64)
    player_id: str = Field(description="the speaker")
    channel: WorldChannel
    line: ChatMessageData
    exclude_speaker: bool
    history: ChatLine | None = Field(
        default=None, description="the line as saved (``global``), for every shard to keep"
    )
