"""Correlation ids travel with messages, as AMQP headers.

A message published while a command is being handled carries that command's id, and
every line a consumer logs while handling it carries the id again: one command can be
followed from the edge through the game to persistence by ``command_id``. Both bus
adapters do this, so no service has to remember to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mythos_contracts.ops.log_lines import current_log_context

PROPAGATED: tuple[str, ...] = ("command_id",)
"""Only what names the cause. A player id would mislabel the lines about the other
players an event reaches."""


def outgoing_headers() -> dict[str, str]:
    """The ids of the current log context to send with a message."""
    context = current_log_context()
    return {key: context[key] for key in PROPAGATED if key in context}


def incoming_headers(headers: Mapping[str, Any] | None) -> dict[str, str]:
    """The propagated ids of a received message (AMQP may hand strings over as bytes)."""
    if not headers:
        return {}
    found: dict[str, str] = {}
    for key in PROPAGATED:
        value = headers.get(key)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and value:
            found[key] = value[:128]
    return found
