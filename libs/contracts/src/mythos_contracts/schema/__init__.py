"""The public protocol as one JSON Schema document (2020-12), for any client.

``protocol_schema()`` builds it from the contract's models: the envelope, one message
type per event type with its payload, what a client sends, the close codes. The game
adds the command list (the commands are the game's, the document is the contract's);
``make protocol`` writes it to libs/contracts/schema/protocol.schema.json and generates
the web client's types from it (see ``mythos_contracts.schema.typescript``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from mythos_contracts.close_codes import CLOSE_CODE_MEANINGS, CloseCode
from mythos_contracts.envelope import ClientCommand, ServerMessage
from mythos_contracts.events import CONTROL_EVENT_TYPES, EVENT_PAYLOADS, EVENT_TYPES

JsonSchema = dict[str, Any]
REF = "#/$defs/{model}"
COMMANDS_KEY = "x-commands"
DIRECTIONS_KEY = "x-direction-words"


class CommandInfo(BaseModel):
    """One command as a client may show or complete it (``help <name>`` tells more)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    aliases: list[str] = Field(description="other words for the same command")
    usage: str
    summary: str
    category: str
    admin: bool = Field(description="only admins may use it (and only they see it in help)")


def _ref(name: str) -> JsonSchema:
    return {"$ref": REF.format(model=name)}


def message_name(event_type: str) -> str:
    """``game_state`` -> ``GameStateEvent``: the schema's name for a message of that type."""
    return "".join(part.capitalize() for part in event_type.split("_")) + "Event"


def _model_defs() -> dict[str, JsonSchema]:
    modes: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (model, "serialization") for model in dict.fromkeys(EVENT_PAYLOADS.values())
    ]
    modes += [
        (ServerMessage, "serialization"),
        (ClientCommand, "validation"),
        (CommandInfo, "validation"),
    ]
    _, schema = models_json_schema(modes, ref_template=REF)
    defs: dict[str, JsonSchema] = schema["$defs"]
    envelope = defs.pop("ServerMessage")
    envelope["title"] = "Envelope"
    envelope["description"] = "What every server message shares; `data` depends on `event_type`."
    envelope["properties"]["event_type"] = _ref("EventType")
    defs["Envelope"] = envelope
    return defs


def _messages() -> dict[str, JsonSchema]:
    messages: dict[str, JsonSchema] = {}
    for event_type, payload in EVENT_PAYLOADS.items():
        variant = {
            "type": "object",
            "properties": {"event_type": {"const": event_type}, "data": _ref(payload.__name__)},
            "required": ["event_type", "data"],
        }
        messages[message_name(event_type)] = {"allOf": [_ref("Envelope"), variant]}
    return messages


def protocol_schema(
    commands: Sequence[CommandInfo] = (), directions: Mapping[str, Sequence[str]] | None = None
) -> JsonSchema:
    """The whole document. ``commands`` and ``directions`` (each direction word with its
    short forms) are the game's, listed under ``x-commands`` and ``x-direction-words``."""
    models = _model_defs()
    messages = _messages()
    defs: dict[str, JsonSchema] = {
        "EventType": {"type": "string", "enum": list(EVENT_TYPES)},
        "ControlEventType": {
            "description": "Outside the stream: the last number issued, never replayed.",
            "type": "string",
            "enum": [t for t in EVENT_TYPES if t in CONTROL_EVENT_TYPES],
        },
        "CloseCode": {
            "description": "WebSocket close codes the server uses (docs/protocol.md).",
            "type": "integer",
            "oneOf": [
                {"const": int(code), "title": code.name, "description": CLOSE_CODE_MEANINGS[code]}
                for code in CloseCode
            ],
        },
        **{name: models[name] for name in sorted(models) if name != "Envelope"},
        "Envelope": models["Envelope"],
        **messages,
        "ServerMessage": {
            "description": "What a client receives: one message of its stream, or a control message.",
            "oneOf": [_ref(name) for name in messages],
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Mythos client protocol",
        "description": "The WebSocket protocol of docs/protocol.md. Generated from libs/contracts "
        "by `make protocol`; do not edit by hand.",
        "$defs": defs,
        COMMANDS_KEY: [command.model_dump() for command in commands],
        DIRECTIONS_KEY: {word: list(short) for word, short in (directions or {}).items()},
    }
