"""Turns one WebSocket frame into a clean command, or into a readable reason it is not one.

Nothing here raises, whatever the frame holds: deep nesting, huge numbers, lone
surrogates and wrong types all become a ``BadFrame`` (answered with an ``error`` event,
the connection stays). Only a frame over the size limit is different: ``FrameTooLarge``,
which closes the connection with 1009.
"""

from __future__ import annotations

import gc
import json
from dataclasses import dataclass

from mythos_contracts.command_wire import read_client_command
from mythos_contracts.envelope import ClientCommand
from pydantic import ValidationError

from mythos_edge.entrypoints.sanitise import clean_command, clean_text

MAX_COMMAND_ID = 128
_SHALLOW = 64
"""Frames with no more brackets than this cannot nest deep enough to matter."""


@dataclass(frozen=True)
class BadFrame:
    reason: str
    command_id: str | None = None


@dataclass(frozen=True)
class FrameTooLarge(BadFrame):
    """Over ``max_bytes``: the connection is closed with 1009 and this reason."""


def frame_size(frame: str | bytes) -> int:
    return len(frame.encode()) if isinstance(frame, str) else len(frame)


def too_large(frame: str | bytes, max_bytes: int) -> FrameTooLarge | None:
    # A character is at most 4 bytes in UTF-8: most frames need no encoding to be measured.
    if isinstance(frame, str) and len(frame) * 4 <= max_bytes:
        return None
    if frame_size(frame) <= max_bytes:
        return None
    return FrameTooLarge(f"message too large: the limit is {max_bytes} bytes")


def parse_frame(text: str, max_bytes: int) -> ClientCommand | BadFrame:
    oversized = too_large(text, max_bytes)
    if oversized is not None:
        return oversized
    fast = read_client_command(text)
    if fast is not None and fast.printable():
        # Read exactly as ``read_with_the_model`` would, and nothing to clean: no
        # validation, no copy (a frame's cost on the edge's per-command path).
        return ClientCommand.model_construct(
            command=fast.command,
            args=fast.args,
            timestamp=fast.timestamp,
            command_id=fast.command_id,
        )
    return read_with_the_model(text)


def read_with_the_model(text: str) -> ClientCommand | BadFrame:
    """``text`` (within the size limit) read by ``json.loads`` and ``ClientCommand``, then
    cleaned; or why it is not a command, in pydantic's words."""
    try:
        raw = _decode(text)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than Python's stack
        return BadFrame('invalid JSON: send {"command": "...", "args": [...]}')
    if not isinstance(raw, dict):
        return BadFrame('expected a JSON object like {"command": "...", "args": [...]}')
    command_id = _readable_id(raw.get("command_id"))
    try:
        command = ClientCommand.model_validate(raw)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "message"
        return BadFrame(f"invalid command: field '{where}': {problem['msg']}", command_id)
    command = clean_command(command)
    if not command.command:
        return BadFrame(
            "invalid command: field 'command': nothing left after removing control characters",
            command.command_id,
        )
    return command


def _decode(text: str) -> object:
    """``json.loads``; while it decodes a frame that may nest deep, no collection starts.

    The decoder recurses once per level, up to the interpreter's recursion limit. Any
    allocation may start a collection, and the finalizers it runs (an unclosed
    transport's, a coroutine's ``finally``) would find no stack left there: they would
    fail with RecursionError, their clean-up undone. Held off, the collection comes at the
    next allocation after the decoder returns."""
    if text.count("[") + text.count("{") <= _SHALLOW or not gc.isenabled():
        return json.loads(text)
    gc.disable()
    try:
        return json.loads(text)
    finally:
        gc.enable()


def _readable_id(value: object) -> str | None:
    """The ``command_id`` of a frame that failed validation, when it is safe to echo."""
    if not isinstance(value, str) or len(value) > MAX_COMMAND_ID:
        return None
    return clean_text(value) or None
