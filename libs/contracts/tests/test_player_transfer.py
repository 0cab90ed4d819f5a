"""The ``PlayerTransfer`` contract: its id, its limits, and a round trip on the wire."""

from __future__ import annotations

import pytest
from mythos_contracts.envelope import EventEnvelope
from mythos_contracts.events import CommandResponseData
from mythos_contracts.persistence import HandoffEntry, LoadPlayerReply, StreamHandoff
from mythos_contracts.transfer import (
    TRANSFER_ANSWERED_LIMIT,
    TRANSFER_HISTORY_LIMIT,
    PendingCommand,
    PlayerTransfer,
    transfer_delivery_id,
)
from pydantic import ValidationError


def _stream(history: int = 1, answered: int = 1, *, room_bound: bool = False) -> StreamHandoff:
    envelope = EventEnvelope(event_type="chat_message", data={}, recipients={"alice": 1})
    return StreamHandoff(
        player_id="alice",
        connection_id="c-alice",
        session_id="s",
        epoch="e",
        opened_for="c-alice",
        last=history,
        room_bound=room_bound,
        history=[HandoffEntry(seq=n + 1, age_seconds=0, envelope=envelope) for n in range(history)],
        recent_commands={
            f"cmd-{n}": CommandResponseData(
                command="say", command_id=f"cmd-{n}", success=True, result=""
            )
            for n in range(answered)
        },
    )


def _transfer(**changes: object) -> PlayerTransfer:
    fields: dict[str, object] = {
        "delivery_id": transfer_delivery_id("alice", 3),
        "player_id": "alice",
        "player_name": "Alice",
        "from_shard": "s1",
        "hop": 3,
        "room_id": "r2",
        "stream": _stream(),
        "stored": LoadPlayerReply(player_id="alice", name="Alice", room_id="r2", version=7),
        "edge_id": "edge-1",
        "pending": PendingCommand(
            delivery_id="d1", command="go", command_id="c9", lead="You go north."
        ),
    }
    fields.update(changes)
    return PlayerTransfer.model_validate(fields)


def test_the_delivery_id_names_the_player_and_the_hop() -> None:
    assert transfer_delivery_id("alice", 3) == "xfer:alice:3"
    with pytest.raises(ValidationError, match="xfer:<player>:<hop>"):
        _transfer(delivery_id="xfer:alice:2")


def test_a_transfer_survives_the_wire_whole() -> None:
    transfer = _transfer()
    again = PlayerTransfer.model_validate_json(transfer.model_dump_json())
    assert again == transfer
    assert again.stream.last == 1 and again.pending is not None


def test_history_and_answered_ids_are_bounded() -> None:
    _transfer(stream=_stream(history=TRANSFER_HISTORY_LIMIT, answered=TRANSFER_ANSWERED_LIMIT))
    with pytest.raises(ValidationError, match="history"):
        _transfer(stream=_stream(history=TRANSFER_HISTORY_LIMIT + 1))
    with pytest.raises(ValidationError, match="answered"):
        _transfer(stream=_stream(answered=TRANSFER_ANSWERED_LIMIT + 1))


def test_the_new_room_is_never_bound_and_is_the_stored_one() -> None:
    with pytest.raises(ValidationError, match="bound"):
        _transfer(stream=_stream(room_bound=True))
    with pytest.raises(ValidationError, match="stored room"):
        _transfer(stored=LoadPlayerReply(player_id="alice", name="Alice", room_id="r1", version=7))
