"""Turns one WebSocket frame into a command, or into a readable reason it is not one."""

from __future__ import annotations

import json
from dataclasses import dataclass

from mythos_contracts.envelope import ClientCommand
from pydantic import ValidationError


@dataclass(frozen=True)
class BadFrame:
    reason: str
    command_id: str | None = None


def parse_frame(text: str, max_bytes: int) -> ClientCommand | BadFrame:
    if len(text.encode()) > max_bytes:
        return BadFrame(f"message too large: the limit is {max_bytes} bytes")
    try:
        raw = json.loads(text)
    except ValueError:
        return BadFrame('invalid JSON: send {"command": "...", "args": [...]}')
    if not isinstance(raw, dict):
        return BadFrame('expected a JSON object like {"command": "...", "args": [...]}')
    command_id = raw.get("command_id") if isinstance(raw.get("command_id"), str) else None
    try:
        return ClientCommand.model_validate(raw)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "message"
        return BadFrame(f"invalid command: field '{where}': {problem['msg']}", command_id)
