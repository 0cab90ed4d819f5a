"""What one client frame becomes: a command for the game, an answer from the edge
(``ping``, an in-band ``auth``), a refusal over the frame budget, or a close (1009)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from mythos_contracts.command_wire import player_command_json
from mythos_contracts.envelope import (
    ClientCommand,
    CommandRefused,
    InvalidInput,
    new_delivery_id,
)

from mythos_edge.entrypoints import token_refresh
from mythos_edge.entrypoints.client_frames import BadFrame, FrameTooLarge, parse_frame, too_large
from mythos_edge.metrics import REJECTED
from mythos_edge.service_layer.connections import CLOSE_POLICY_VIOLATION, Connection
from mythos_edge.service_layer.control_messages import send_control
from mythos_edge.service_layer.rate_limits import FrameBudget, Verdict

if TYPE_CHECKING:
    from mythos_edge.entrypoints.websocket import EdgeRuntime

log = logging.getLogger(__name__)

# Bound once: these run per frame.
_TOO_LARGE = REJECTED["too_large"]
_BINARY = REJECTED["binary"]
_MALFORMED = REJECTED["malformed"]
_RATE_LIMITED = REJECTED["rate_limited"]
_AUTH_REFUSED = REJECTED["auth_refused"]


class ConnectionIds(TypedDict):
    """What every message from this connection to the game says about who sent it."""

    player_id: str
    player_name: str
    player_role: str
    connection_id: str
    edge_id: str


@dataclass(frozen=True, slots=True)
class Forward:
    """A command for the game, already written: ``PlayerCommand``'s JSON (``body``)."""

    command: str
    command_id: str | None
    body: bytes
    delivery_id: str
    """The body's ``delivery_id``: the game's answer names it (``answers``)."""


class FrameHandler:
    """One connection's frames: what each becomes (for the game), or None (handled here)."""

    def __init__(self, conn: Connection, runtime: EdgeRuntime, ids: ConnectionIds) -> None:
        settings = runtime.settings
        self._conn = conn
        self._verifier = runtime.verifier
        self._revocations = runtime.revocations
        self._ids = ids
        self._max_bytes = settings.max_frame_bytes
        self._budget = FrameBudget(
            settings.commands_per_second, settings.command_burst, settings.max_refused_per_minute
        )
        self.closing = False
        """Set when a flood closes the connection: no further frame is read."""

    async def handle(
        self, message: str | bytes
    ) -> Forward | InvalidInput | CommandRefused | FrameTooLarge | None:
        """``message``: a text message as ``str``, a binary one as ``bytes``."""
        parsed: ClientCommand | BadFrame
        text = message if isinstance(message, str) else None
        if text is None:
            parsed = too_large(message, self._max_bytes) or BadFrame(
                "binary frames are not accepted: send JSON text"
            )
        else:
            parsed = parse_frame(text, self._max_bytes)
        if isinstance(parsed, FrameTooLarge):
            _TOO_LARGE.inc()
            return parsed
        verdict = self._budget.admit()  # every frame counts: pings and bad frames too
        if verdict is not Verdict.RUN:
            return self._refuse(parsed, verdict)
        command_id = parsed.command_id
        if isinstance(parsed, BadFrame):
            (_MALFORMED if text is not None else _BINARY).inc()
            return self._invalid(parsed.reason, command_id)
        name = _command_word(parsed.command)
        if name == "ping":
            send_control(self._conn, "pong", {})  # liveness needs no trip to the game
            return None
        if name == "auth":  # the token never goes further than this edge
            refused = await token_refresh.refresh(
                self._conn, parsed, self._verifier, time.time(), self._revocations
            )
            self._ids["player_role"] = self._conn.role
            if refused is None:
                return None
            _AUTH_REFUSED.inc()
            return self._invalid(refused, command_id)
        # PlayerCommand's bytes, without building the model (the edge's per-command path).
        delivery_id = new_delivery_id()
        body = player_command_json(
            self._ids, parsed.command, parsed.args, command_id, delivery_id=delivery_id
        )
        return Forward(parsed.command, command_id, body, delivery_id)

    def _refuse(
        self, parsed: ClientCommand | BadFrame, verdict: Verdict
    ) -> CommandRefused | InvalidInput:
        """Over the budget: answered, never run (a command gets a ``command_response``
        through the game, which numbers it). Past the refusal budget, also closed (1008)."""
        _RATE_LIMITED.inc()
        budget = self._budget
        if verdict is Verdict.CLOSE:
            self.closing = True
            log.warning(
                "flood from %s: closing after %d refused frames",
                self._conn.player_id,
                budget.refused,
            )
            self._conn.close_after_flush(CLOSE_POLICY_VIOLATION, budget.close_reason())
        elif budget.refused in (1, 10, 100):
            log.info("flood from %s: %d frames refused", self._conn.player_id, budget.refused)
        reason = budget.refusal_reason()
        if isinstance(parsed, BadFrame):  # not a command: its answer is an error, as ever
            return self._invalid(reason, parsed.command_id)
        # Neither arguments nor an ``auth`` token go further than this edge.
        return CommandRefused(
            command=parsed.command,
            command_id=parsed.command_id,
            reason=reason,
            retry_after=budget.retry_after(),
            **self._ids,
        )

    def _invalid(self, reason: str, command_id: str | None) -> InvalidInput:
        """Answered by the game in-stream as an ``error`` (only the game numbers messages)."""
        return InvalidInput(reason=reason, command_id=command_id, **self._ids)


def _command_word(command: str) -> str:
    """How the game reads a command name: case, surrounding blanks and leading slashes ignored."""
    return command.strip().lstrip("/").strip().lower()
