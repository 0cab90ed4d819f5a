"""Admin commands on a player of another shard (docs/design/shards.md §9).

The admin's shard finds the target in its directory replica and sends the whole command
to the target's shard as a ``ShardCall`` on ``command.<shard>.<target>`` (so it follows
the target if they crossed on). That shard runs it as the admin would there and answers
with a ``ShardCallResult`` on ``command.<admin's shard>.<admin>``, which the admin's
shard turns into the command's answer. Both are in their units' journaled outboxes, with
ids derived from the admin's delivery id, so each is handled once.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CallingAdmin(_Strict):
    """Who runs the command, as the target's shard needs them (they are not there)."""

    player_id: str
    character_id: str
    name: str
    room_id: str = Field(description="where the admin stands (``summon`` brings them there)")
    shard: str = Field(description="the admin's shard, which the result goes back to")
    role: str


class ShardCall(_Strict):
    kind: Literal["shard_call"] = "shard_call"
    delivery_id: StrictStr = Field(min_length=1, max_length=64)
    call_id: StrictStr = Field(min_length=1, max_length=64, description="the admin's delivery id")
    player_id: str = Field(description="the target")
    admin: CallingAdmin
    command: str
    args: list[str]


class ShardCallResult(_Strict):
    kind: Literal["shard_call_result"] = "shard_call_result"
    delivery_id: StrictStr = Field(min_length=1, max_length=64)
    call_id: StrictStr = Field(min_length=1, max_length=64)
    player_id: str = Field(description="the admin")
    success: bool
    text: str


class CarriedCall(_Strict):
    """An admin's command waiting for another shard's result, carried with the admin
    when they cross to another shard (``PlayerTransfer.pending_calls``): the result,
    forwarded there, answers it, or its deadline passes there."""

    call_id: StrictStr = Field(min_length=1, max_length=64, description="the admin's delivery id")
    command: str
    command_id: str | None = None
    target_name: str = Field(description="named in the refusal once the deadline passes")
    deadline: float = Field(description="wall-clock epoch seconds")
    also: list[StrictStr] = Field(
        default_factory=list, description="the delivery ids of the command's re-sends"
    )
