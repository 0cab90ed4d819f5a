"""Every message an edge sends the game has its own ``delivery_id``, which survives the
wire (the game handles each id at most once), apart from a client's ``command_id``."""

from __future__ import annotations

import os
import re
import subprocess
import sys

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
    new_delivery_id,
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


def test_ids_are_32_hex_characters_made_in_order_without_repeating() -> None:
    ids = [new_delivery_id() for _ in range(10_000)]
    assert all(re.fullmatch("[0-9a-f]{32}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)  # one process's ids count up (not drawn one by one)


def test_another_process_makes_other_ids() -> None:
    script = "from mythos_contracts.envelope import new_delivery_id as n; print(n(), n())"
    theirs = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout.split()
    ours = [new_delivery_id(), new_delivery_id()]
    assert len(set(theirs + ours)) == 4


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_forked_child_never_repeats_its_parents_ids() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, to the parent
        os.close(read)
        os.write(write, " ".join(new_delivery_id() for _ in range(3)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = pipe.read().split()
    os.waitpid(pid, 0)
    parent = [new_delivery_id() for _ in range(3)]
    assert len(child) == 3 and not set(child) & set(parent)
