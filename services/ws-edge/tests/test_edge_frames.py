"""Every malformed frame becomes a readable reason; nothing raises."""

from __future__ import annotations

import json

import pytest
from mythos_contracts.envelope import ClientCommand
from mythos_edge.entrypoints.client_frames import BadFrame, parse_frame


def test_a_good_frame_is_a_command() -> None:
    parsed = parse_frame(json.dumps({"command": "say", "args": ["a;b|c"], "command_id": "x"}), 8192)
    assert isinstance(parsed, ClientCommand)
    assert parsed.args == ["a;b|c"] and parsed.command_id == "x"


@pytest.mark.parametrize(
    ("frame", "needle"),
    [
        ("not json", "invalid JSON"),
        ("[1,2]", "JSON object"),
        ('"text"', "JSON object"),
        ('{"args": []}', "field 'command'"),
        ('{"command": "say", "args": [1]}', "field 'args.0'"),
        ('{"command": "say", "args": "hello"}', "field 'args'"),
        ('{"command": ""}', "field 'command'"),
        ('{"command": 5}', "field 'command'"),
    ],
)
def test_bad_frames_get_a_reason(frame: str, needle: str) -> None:
    parsed = parse_frame(frame, 8192)
    assert isinstance(parsed, BadFrame)
    assert needle in parsed.reason


def test_command_id_is_kept_on_a_bad_frame_so_the_client_can_correlate() -> None:
    parsed = parse_frame('{"command": "say", "args": [1], "command_id": "c9"}', 8192)
    assert isinstance(parsed, BadFrame) and parsed.command_id == "c9"


def test_oversized_frame_is_refused_with_the_limit() -> None:
    parsed = parse_frame(json.dumps({"command": "say", "args": ["x" * 500]}), 256)
    assert isinstance(parsed, BadFrame) and "256 bytes" in parsed.reason
