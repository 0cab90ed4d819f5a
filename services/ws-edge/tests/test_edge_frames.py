"""Every malformed frame becomes a readable reason; nothing raises."""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mythos_contracts.command_wire import read_client_command
from mythos_contracts.envelope import ClientCommand
from mythos_edge.entrypoints.client_frames import BadFrame, parse_frame, read_with_the_model


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


def _descend(levels: int) -> int:
    return 0 if levels == 0 else 1 + _descend(levels - 1)


def test_a_deeply_nested_frame_leaves_stack_for_what_the_collector_runs_meanwhile() -> None:
    """Any allocation may start a collection, which runs the finalizers of whatever garbage
    is waiting (an unclosed transport's, a coroutine's ``finally``): while the decoder is
    in a frame's nesting, they must still find the stack they need (here 50 calls)."""
    finalised: list[int] = []

    class Garbage:
        def __init__(self) -> None:
            self.cycle = self  # only the collector frees it

        def __del__(self) -> None:
            finalised.append(_descend(50))

    frame = "[" * 5000 + "]" * 5000
    thresholds = gc.get_threshold()
    # The first collection falls after 1, 8, 15, ... allocations: all along the descent
    # (a finalizer needing 50 calls finds too little stack over its last 50 levels).
    tries = range(1, 1200, 7)
    try:
        for allocations in tries:
            gc.collect(0)
            gc.disable()
            Garbage()
            gc.set_threshold(allocations)
            gc.enable()
            assert isinstance(parse_frame(frame, 1 << 20), BadFrame)
            gc.set_threshold(*thresholds)
            gc.collect(0)  # the parse may have made too few allocations for a collection
    finally:
        gc.set_threshold(*thresholds)
        gc.enable()
    assert len(finalised) == len(tries)


def test_the_collector_runs_again_after_a_deep_frame_whatever_the_frame() -> None:
    deep_but_valid = "[" * 200 + "]" * 200
    for frame in ["[" * 5000 + "]" * 5000, deep_but_valid, "[" * 100, "[1]"]:
        assert isinstance(parse_frame(frame, 1 << 20), BadFrame)
        assert gc.isenabled()


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=400)
@given(
    command=st.text(max_size=34) | _json,
    args=st.lists(st.text(max_size=4), max_size=66) | _json,
    command_id=st.none() | st.text(max_size=130) | _json,
    extra=st.dictionaries(st.text(max_size=3), _json, max_size=2),
    ascii_only=st.booleans(),
)
def test_the_fast_path_gives_what_the_model_gives(
    command: Any, args: Any, command_id: Any, extra: dict[str, Any], ascii_only: bool
) -> None:
    """Any frame: the same command (cleaned) or the same refusal, whichever way it went."""
    text = json.dumps(
        {**extra, "command": command, "args": args, "command_id": command_id},
        ensure_ascii=ascii_only,
    )
    fast, slow = parse_frame(text, 1 << 20), read_with_the_model(text)
    assert type(fast) is type(slow)
    if isinstance(fast, ClientCommand):
        assert fast.model_dump() == slow.model_dump()  # type: ignore[union-attr]
    else:
        assert fast == slow


def test_a_plain_command_takes_the_fast_path() -> None:
    text = json.dumps({"command": "say", "args": ["«hello»", "there 🐙"], "command_id": "c1"})
    fast = read_client_command(text)
    assert fast is not None and fast.printable()
    assert parse_frame(text, 8192) == read_with_the_model(text)
