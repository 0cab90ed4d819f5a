"""What a handled player command is called in the game's traces, and the audit line of
an admin's action (on the logger ``mythos_game.audit``, one greppable line each)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from mythos_game.domain.commands.base import AuditEntry
from mythos_game.domain.commands.registry import parse
from mythos_game.domain.roster import Player
from mythos_game.service_layer.metrics import UNKNOWN_COMMAND, CommandOutcome

audit_log = logging.getLogger("mythos_game.audit")


@dataclass
class Handling:
    """What one player command turned out to be, for its log line and metrics."""

    command: str
    """The canonical name of a registered command, else ``unknown``: a bounded label."""
    outcome: CommandOutcome = "error"
    """Stays ``error`` unless the handling reaches a verdict."""


def registered_name(command: str, args: list[str]) -> str:
    """The canonical name of what was typed if it is a registered command, alias,
    shorthand or direction; ``unknown`` otherwise (never the typed text: unbounded)."""
    parsed = parse(command, args)
    return UNKNOWN_COMMAND if parsed is None else parsed.spec.name


def audit(actor: Player, role: str, entry: AuditEntry) -> None:
    """One greppable line per admin action: ``admin action=kick allowed=yes actor=...``."""
    audit_log.log(
        logging.INFO if entry.allowed else logging.WARNING,
        "admin action=%s allowed=%s actor=%s actor_id=%s role=%s target=%r detail=%r",
        entry.action,
        "yes" if entry.allowed else "no",
        actor.name,
        actor.id,
        role,
        entry.target,
        entry.detail,
    )
