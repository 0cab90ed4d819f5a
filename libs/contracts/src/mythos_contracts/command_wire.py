"""The edge's fast path for a client's command: read it with msgspec, write the game's
``PlayerCommand`` without building the model.

``ClientCommand`` and ``PlayerCommand`` (pydantic) stay the contract. ``WireClientCommand``
mirrors ``ClientCommand``'s fields and limits (a test fails when the two differ), and
``read_client_command`` takes only frames it can read exactly as ``json.loads`` and the
model would; for anything else it answers None and the edge reads the frame the slow way,
which also words the reason a bad frame is refused. ``player_command_json`` writes the
bytes ``PlayerCommand(...).model_dump_json()`` writes, through pydantic's own serialiser.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated

import msgspec
import pydantic_core

from mythos_contracts.envelope import (
    MAX_ARG_LENGTH,
    MAX_ARGS,
    MAX_COMMAND_LENGTH,
    new_delivery_id,
    utc_now,
)

MAX_COMMAND_ID = 128
"""``ClientCommand.command_id``'s limit (characters)."""

# ``json.loads`` refuses an integer of more digits than this (and the frame, with it),
# where msgspec would skip it in a field it ignores: longer frames go the slow way.
_MAX_FAST_LENGTH = sys.get_int_max_str_digits() or 4300
# ``json.loads`` refuses nesting deeper than the interpreter's stack allows, msgspec goes
# deeper: a frame with this many brackets (counted anywhere) goes the slow way.
_MAX_FAST_BRACKETS = 100


class WireClientCommand(msgspec.Struct):
    """``ClientCommand``'s fields and limits (see the model); unknown fields are ignored,
    as the model does."""

    command: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_COMMAND_LENGTH)]
    args: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=MAX_ARG_LENGTH)]],
        msgspec.Meta(max_length=MAX_ARGS),
    ] = msgspec.field(default_factory=list)
    timestamp: str | None = None
    command_id: Annotated[str, msgspec.Meta(max_length=MAX_COMMAND_ID)] | None = None

    def printable(self) -> bool:
        """True when nothing in it needs cleaning (``str.isprintable`` excludes every
        character the edge's cleaning removes or replaces)."""
        return (
            self.command.isprintable()
            and all(arg.isprintable() for arg in self.args)
            and (self.command_id is None or self.command_id.isprintable())
        )


_DECODER = msgspec.json.Decoder(WireClientCommand)


def read_client_command(text: str) -> WireClientCommand | None:
    """The command in ``text`` when msgspec's strict reading takes it (then ``json.loads``
    and ``ClientCommand`` take it too, with the same values); None otherwise, for the
    slow way to read or refuse."""
    if len(text) >= _MAX_FAST_LENGTH or text.count("[") + text.count("{") >= _MAX_FAST_BRACKETS:
        return None
    try:
        return _DECODER.decode(text)
    except msgspec.DecodeError:  # ValidationError too
        return None


def player_command_json(
    ids: Mapping[str, object],
    command: str,
    args: list[str],
    command_id: str | None,
    *,
    sent_at: datetime | None = None,
    delivery_id: str | None = None,
) -> bytes:
    """``PlayerCommand(command=..., args=..., command_id=..., **ids).model_dump_json()``,
    byte for byte, without building the model. ``ids``: ``player_id``, ``player_name``,
    ``player_role``, ``connection_id`` and ``edge_id`` (strings the edge made)."""
    return pydantic_core.to_json(
        {  # PlayerCommand's fields, in its order
            "player_id": ids["player_id"],
            "player_name": ids["player_name"],
            "player_role": ids["player_role"],
            "connection_id": ids["connection_id"],
            "edge_id": ids["edge_id"],
            "sent_at": utc_now() if sent_at is None else sent_at,
            "delivery_id": new_delivery_id() if delivery_id is None else delivery_id,
            "kind": "command",
            "command": command,
            "args": args,
            "command_id": command_id,
        }
    )
