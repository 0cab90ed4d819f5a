"""The game's fast reading of a ``PlayerCommand``: a msgspec mirror of its wire fields.

``PlayerCommand`` (pydantic, one of ``EdgeMessage``) stays the contract. Commands are
most of what reaches the game, and reading each through the model was a share of its
cost per message. ``read_player_command`` decodes with ``WirePlayerCommand``, in
msgspec's strict mode: it takes a subset of what the model takes, with the same values,
and answers None for everything else (another kind of message, a timestamp in another
ISO 8601 form, anything invalid), which the game then reads through the model, so it
accepts, refuses and words its refusals exactly as before. A test holds the two to that
on a table of good and bad messages, and checks the mirror has the model's fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from mythos_contracts.envelope import HeldConnection, PlayerCommand, new_delivery_id, utc_now
from mythos_contracts.envelope_wire import TIMESTAMP_PATTERN

MAX_DELIVERY_ID = 64
"""``delivery_id``'s limit (characters), as in the model."""


def _now_text() -> str:
    return utc_now().isoformat()


class WirePlayerCommand(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``PlayerCommand``'s fields as they travel (see the model for what each means).

    ``kind`` is a required field, not a msgspec tag: a message without it is not a
    command (the model's union refuses it). ``sent_at`` is kept as the text that arrived,
    checked to be a real instant; nothing in the game reads it."""

    kind: Literal["command"]
    player_id: str
    player_name: str
    player_role: str = "player"
    connection_id: str
    edge_id: str
    sent_at: Annotated[str, msgspec.Meta(pattern=TIMESTAMP_PATTERN)] = msgspec.field(
        default_factory=_now_text
    )
    delivery_id: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_DELIVERY_ID)] = (
        msgspec.field(default_factory=new_delivery_id)
    )
    command: str
    args: list[str] = msgspec.field(default_factory=list)
    command_id: str | None = None

    def __post_init__(self) -> None:
        # The pattern admits 2026-02-30 and 25:00: the calendar and the clock are checked
        # here (a ValueError fails the decode, and the model reads the message).
        datetime.fromisoformat(self.sent_at)

    def held(self) -> HeldConnection:
        """The connection this message speaks for (as ``PlayerCommand.held``)."""
        return HeldConnection(
            player_id=self.player_id,
            player_name=self.player_name,
            player_role=self.player_role,
            connection_id=self.connection_id,
        )


AnyPlayerCommand = PlayerCommand | WirePlayerCommand
"""A player's command, read either way: the game handles both alike."""

_DECODER = msgspec.json.Decoder(WirePlayerCommand)
_ENCODER = msgspec.json.Encoder()


def read_player_command(body: bytes) -> WirePlayerCommand | None:
    """The command in ``body`` when msgspec's strict reading takes it (the model takes it
    too, with the same values); None otherwise: read it with the model."""
    try:
        return _DECODER.decode(body)
    except msgspec.DecodeError:  # ValidationError too
        return None


def wire_json(command: WirePlayerCommand) -> bytes:
    """``command`` as JSON again (to forward it): what the model reads from it has the
    values the model read from the message it came in (``sent_at`` as the same text)."""
    return _ENCODER.encode(command)
