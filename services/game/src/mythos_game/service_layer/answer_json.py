"""A command's answer written straight to JSON: what ``CommandResponseData(...)``'s
``payload_json`` writes for the same fields, without building the model (a model per
command was a tenth of the dispatcher's own cost per ``say``).

The contract stays ``CommandResponseData`` (its schema, its docs, what the edge reads);
a test holds this writer to the model's bytes, for every character a string can hold.
"""

from __future__ import annotations

import msgspec

_ENCODER = msgspec.json.Encoder()


def command_response_json(
    command: str, command_id: str | None, success: bool, result: str
) -> bytes:
    """``payload_json(CommandResponseData(command=..., command_id=..., success=...,
    result=...))``, byte for byte (no ``retry_after``: only an edge's refusal has one)."""
    return _ENCODER.encode(
        {  # CommandResponseData's fields, in its order
            "command": command,
            "command_id": command_id,
            "success": success,
            "result": result,
        }
    )
