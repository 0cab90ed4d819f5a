"""Several players' commands in one broker message (docs/architecture.md, "Command
batches").

An edge that has more than one ``PlayerCommand`` for the same shard in one turn of its
event loop sends them as one persistent message on ``command_batch_key(shard)``: the
batch is ``PlayerCommandBatch``, whose ``commands`` are the commands' own JSON, each
exactly as it would have travelled alone. The game handles each as if it had come alone
(its own ``delivery_id``, dedup, answer and failure) and acks the batch once all of
their effects are confirmed. A batch carries plain player commands only; session
messages, refusals and invalid input travel alone, as before.

Rolling deploys: games first. A game that knows batches still takes single commands
(old edges); a game that does not would dead-letter a batch whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import msgspec
from pydantic import BaseModel, Field

from mythos_contracts.envelope import PlayerCommand

MAX_BATCH_COMMANDS = 64
"""Most commands an edge puts in one batch (more in one turn make more batches)."""

_BATCH_OPEN = b'{"kind":"command_batch","commands":['
_BATCH_CLOSE = b"]}"


class PlayerCommandBatch(BaseModel):
    """The contract of a batch's body (``command_batch_json`` writes it without the model)."""

    kind: Literal["command_batch"] = "command_batch"
    commands: list[PlayerCommand] = Field(min_length=1, max_length=MAX_BATCH_COMMANDS)


class WireCommandBatch(msgspec.Struct, forbid_unknown_fields=True):
    """A batch as the game reads it: each command left as its bytes, read one by one
    (so a bad one fails alone)."""

    kind: Literal["command_batch"]
    commands: list[msgspec.Raw]


_DECODER = msgspec.json.Decoder(WireCommandBatch)


def command_batch_json(commands: Sequence[bytes]) -> bytes:
    """A batch's body carrying ``commands`` (each a ``PlayerCommand``'s JSON, as
    ``command_wire.player_command_json`` writes it), in their order."""
    return _BATCH_OPEN + b",".join(commands) + _BATCH_CLOSE


def read_command_batch(body: bytes) -> list[bytes] | None:
    """The commands' bodies in a batch, in order; None when ``body`` is not a batch
    (then it is one message, read as ever)."""
    try:
        batch = _DECODER.decode(body)
    except msgspec.DecodeError:  # ValidationError too
        return None
    if not batch.commands:
        return None
    return [bytes(command) for command in batch.commands]
