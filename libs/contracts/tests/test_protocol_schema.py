"""The protocol's JSON Schema describes what the server really sends and accepts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest
from mythos_contracts.close_codes import CLOSE_CODE_MEANINGS, CloseCode
from mythos_contracts.envelope import EventEnvelope
from mythos_contracts.events import (
    CONTROL_EVENT_TYPES,
    EVENT_PAYLOADS,
    EVENT_TYPES,
    ChatMessageData,
    GameStateData,
    PlayerView,
    PongData,
    RoomView,
)
from mythos_contracts.schema import CommandInfo, message_name, protocol_schema

SCHEMA = protocol_schema(
    [
        CommandInfo(
            name="look", aliases=["l"], usage="look", summary="Look.", category="World", admin=False
        )
    ],
    {"north": ["n"]},
)


def validator(definition: str) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    return jsonschema.Draft202012Validator({**SCHEMA, "$ref": f"#/$defs/{definition}"})


def rendered(event_type: Any, data: dict[str, Any]) -> str:
    envelope = EventEnvelope(
        event_type=event_type,
        timestamp=datetime(2026, 11, 25, 21, tzinfo=UTC),
        room_id="square",
        data=data,
        recipients={"p1": 7},
    )
    text = envelope.render_for("p1")
    assert text is not None
    return text


def test_every_event_type_has_a_payload_and_a_message() -> None:
    assert set(EVENT_PAYLOADS) == set(EVENT_TYPES)
    variants = SCHEMA["$defs"]["ServerMessage"]["oneOf"]
    assert [v["$ref"].rsplit("/", 1)[1] for v in variants] == [message_name(t) for t in EVENT_TYPES]
    assert SCHEMA["$defs"]["ControlEventType"]["enum"] == [
        t for t in EVENT_TYPES if t in CONTROL_EVENT_TYPES
    ]


def test_what_an_edge_sends_is_a_valid_server_message() -> None:
    room = RoomView(
        id="square", name="Square", description="Wet.", exits={"n": "gate"}, occupants=[]
    )
    state = GameStateData(
        player=PlayerView(id="p1", name="Alice"), room=room, epoch="e", session_id="s"
    )
    line = ChatMessageData(
        channel="say", player_id="p2", player_name="Bob", message="hi", text="Bob says: hi"
    )
    check = validator("ServerMessage")
    for event_type, data in (("game_state", state), ("chat_message", line), ("pong", PongData())):
        check.validate(json.loads(rendered(event_type, data.model_dump())))


def test_a_payload_that_does_not_match_its_event_type_is_invalid() -> None:
    wrong = json.loads(rendered("game_state", {"tick_number": 3, "timestamp": "now"}))
    assert not validator("ServerMessage").is_valid(wrong)
    assert not validator("ServerMessage").is_valid({**wrong, "event_type": "no_such_event"})


def test_a_client_command_needs_only_its_name() -> None:
    check = validator("ClientCommand")
    check.validate({"command": "say", "args": ["hi"], "command_id": "c1"})
    check.validate({"command": "look"})
    assert not check.is_valid({"command": ""})
    assert not check.is_valid({"command": "say", "args": [3]})


@pytest.mark.parametrize("code", list(CloseCode))
def test_every_close_code_is_named_and_explained(code: CloseCode) -> None:
    members = SCHEMA["$defs"]["CloseCode"]["oneOf"]
    assert {
        "const": int(code),
        "title": code.name,
        "description": CLOSE_CODE_MEANINGS[code],
    } in members


def test_the_game_data_is_carried_along() -> None:
    assert SCHEMA["x-commands"][0]["aliases"] == ["l"]
    assert SCHEMA["x-direction-words"] == {"north": ["n"]}
    validator("CommandInfo").validate(SCHEMA["x-commands"][0])
