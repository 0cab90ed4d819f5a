"""A zone moving, live, from one shard to another (docs/design/shards.md §11).

The shard that owns the zone releases it in one unit of work, and publishes, in order
on one channel: ``ZoneAdopt`` to the new owner (the zone's state), a ``PlayerTransfer``
with ``zone_move`` for each player standing in the zone, then ``ZoneOwnerChanged`` to
every shard. Each zone carries the map version at which it got its owner; a shard
applies a change only above the version it knows, so whatever is heard twice (a
journal's outbox published again after a crash) does nothing.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from mythos_contracts.zone_moves import ZoneState

ZONE_MOVE_TARGET = "_zone"
"""The word after the shard in the command key of what is for a shard itself, not for
one of its players (``command.<shard>._zone``): a player id never starts with ``_``."""

ZONE_OWNER_KIND = "zone_owner"
"""``all_shards_key(ZONE_OWNER_KIND)``: the key ``ZoneOwnerChanged`` goes out on."""

_IDS = uuid.UUID("3c1f8a52-6d0e-4b7a-9f21-58e4c07d2a19")


def zone_message_id(kind: str, zone: str, version: int) -> str:
    """The deterministic delivery id of a zone message: published again, it keeps it."""
    return uuid.uuid5(_IDS, f"{kind}:{zone}:{version}").hex


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ZoneAdopt(_Strict):
    """To the zone's new owner: it owns ``zone`` from map ``version`` on, with its state."""

    kind: Literal["zone_adopt"] = "zone_adopt"
    delivery_id: StrictStr = Field(min_length=1, max_length=64)
    zone: StrictStr
    owner: StrictStr = Field(description="the new owner (the receiver)")
    version: StrictInt = Field(ge=1, description="the map version of this change")
    from_shard: StrictStr
    state: ZoneState


class ZoneOwnerChanged(_Strict):
    """To every shard: ``zone`` belongs to ``owner`` from map ``version`` on."""

    kind: Literal["zone_owner_changed"] = "zone_owner_changed"
    delivery_id: StrictStr = Field(min_length=1, max_length=64)
    zone: StrictStr
    owner: StrictStr
    version: StrictInt = Field(ge=1)
    from_shard: StrictStr
