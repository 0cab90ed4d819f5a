"""Every message an edge sends the game has its own ``delivery_id``, which survives the
wire (the game handles each id at most once), apart from a client's ``command_id``."""

from __future__ import annotations

import pytest
from mythos_contracts.envelope import (
    EDGE_MESSAGE,
    CommandRefused,
    InvalidInput,
    PlayerCommand,
    ReplayRequest,
    RoomBound,
    SessionClosed,
    SessionOpened,
)
from pydantic import ValidationError

IDS = {"player_id": "p1", "player_name": "P1", "connection_id": "c1", "edge_id": "e1"}


def test_each_message_is_stamped_with_an_id_of_its_own() -> None:
    messages = [
        SessionOpened(**IDS),
        SessionClosed(**IDS),
        PlayerCommand(command="say", command_id="same", **IDS),
        PlayerCommand(command="say", command_id="same", **IDS),
        InvalidInput(reason="bad", **IDS),
        CommandRefused(command="say", reason="slow", retry_after=1, **IDS),
        RoomBound(room_id="r1", **IDS),
        ReplayRequest(epoch="e", from_seq=1, **IDS),
    ]
    ids = [m.delivery_id for m in messages]
    assert all(ids) and len(set(ids)) == len(ids)
    for message in messages:
        again = EDGE_MESSAGE.validate_json(message.model_dump_json())
        assert again.delivery_id == message.delivery_id  # type: ignore[union-attr]


def test_a_message_without_one_gets_one_and_a_bad_one_is_refused() -> None:
    bare = PlayerCommand(command="say", **IDS).model_dump(exclude={"delivery_id"})
    assert PlayerCommand.model_validate(bare).delivery_id  # an older edge's message
    with pytest.raises(ValidationError):
        PlayerCommand.model_validate({**bare, "delivery_id": ""})
