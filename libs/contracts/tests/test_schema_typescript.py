"""The TypeScript generated from the protocol's schema: small, readable, exact."""

from __future__ import annotations

import pytest
from mythos_contracts.schema import protocol_schema
from mythos_contracts.schema.typescript import constant_name, literal, render, type_of


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string"}, "string"),
        ({"type": "integer"}, "number"),
        ({"type": ["string", "null"]}, "string | null"),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, "string | null"),
        ({"$ref": "#/$defs/RoomView"}, "RoomView"),
        ({"const": "game_state"}, "'game_state'"),
        ({"enum": ["say", "emote"]}, "'say' | 'emote'"),
        ({"type": "array", "items": {"type": "string"}}, "string[]"),
        ({"type": "array", "items": {"enum": [1, 2]}}, "(1 | 2)[]"),
        (
            {"type": "object", "additionalProperties": {"type": "string"}},
            "{ [key: string]: string }",
        ),
        ({"type": "object", "additionalProperties": False}, "Record<string, never>"),
        ({"allOf": [{"$ref": "#/$defs/A"}, {"$ref": "#/$defs/B"}]}, "A & B"),
        (
            {
                "allOf": [
                    {"$ref": "#/$defs/A"},
                    {"type": "object", "properties": {"b": {}, "a": {}}},
                ]
            },
            "Omit<A, 'a' | 'b'> & {\n  b?: unknown;\n  a?: unknown;\n}",
        ),
        ({}, "unknown"),
        ({"type": "something-new"}, "unknown"),
    ],
)
def test_type_of(schema: dict[str, object], expected: str) -> None:
    assert type_of(schema) == expected


def test_literals_and_names() -> None:
    assert literal("it's") == '"it\'s"'
    assert literal('say "hi"') == "'say \"hi\"'"
    assert literal({"name": "go", "aliases": ["move"], "admin": False}) == (
        "{ name: 'go', aliases: ['move'], admin: false }"
    )
    assert constant_name("CloseCode") == "CLOSE_CODES"
    with pytest.raises(ValueError, match="local"):
        type_of({"$ref": "https://elsewhere/x.json"})


def test_an_object_becomes_an_interface_with_optional_fields_and_docs() -> None:
    schema = {
        "$defs": {
            "Thing": {
                "type": "object",
                "description": "A thing.",
                "properties": {
                    "id": {"type": "string", "description": "its name"},
                    "count": {"type": "integer"},
                },
                "required": ["id"],
            }
        }
    }
    assert render(schema, "header") == (
        "// header\n\n"
        "/** A thing. */\n"
        "export interface Thing {\n"
        "  /** its name */\n"
        "  id: string;\n"
        "  count?: number;\n"
        "}\n\n"
        "/** Every command of the game, by name (what `help` lists, admin ones included). */\n"
        "export const COMMANDS: readonly CommandInfo[] = [\n];\n\n"
        "/** Each direction word (a command by itself: `go <direction>`), with its short forms. */\n"
        "export const DIRECTION_WORDS: Readonly<Record<string, readonly string[]>> = {\n};\n"
    )


def test_named_values_become_constants() -> None:
    text = render(protocol_schema(), "header")
    assert "export const CLOSE_CODES = {\n" in text
    assert "  KICKED: 4004,\n" in text
    assert "export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];" in text
    assert "export type EventType = (typeof EVENT_TYPES)[number];" in text
    assert (
        "export type GameStateEvent = Omit<Envelope, 'data' | 'event_type'> & {\n  event_type: 'game_state';\n"
        in text
    )
    assert "export type ServerMessage =\n  | GameStateEvent\n" in text
