"""What a handled player command is called in the game's traces, and the audit line of
an admin's action (on the logger ``mythos_game.audit``, one greppable line each)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from mythos_contracts.ops.log_lines import info_line
from mythos_contracts.player_command_wire import AnyPlayerCommand

from mythos_game.domain.commands.base import AuditEntry, Context, Outcome
from mythos_game.domain.commands.registry import parse, resolve
from mythos_game.domain.conditions import refusal
from mythos_game.domain.directory import DirectoryView
from mythos_game.domain.roster import Player
from mythos_game.service_layer.metrics import (
    UNKNOWN_COMMAND,
    CommandOutcome,
    command_seconds,
    commands_handled,
)

audit_log = logging.getLogger("mythos_game.audit")
log = logging.getLogger("mythos_game.service_layer.dispatcher")
"""Where ``command handled`` lines have always come from (dashboards filter on it)."""


@dataclass
class Handling:
    """What one player command turned out to be, for its log line and metrics."""

    command: str | None
    """The canonical name of the command run, once resolved (``run_command``); until
    then ``label`` finds it from ``typed``."""
    outcome: CommandOutcome = "error"
    """Stays ``error`` unless the handling reaches a verdict."""
    typed: str = ""
    """The command word as sent (``PlayerCommand.command``)."""

    def label(self) -> str:
        """The canonical name of a registered command, else ``unknown``: a bounded label
        (found from what was typed only when the command was not resolved: once)."""
        if self.command is None:
            self.command = registered_name(self.typed)
        return self.command


def registered_name(command: str) -> str:
    """The canonical name of what was typed if it is a registered command, alias,
    shorthand or direction; ``unknown`` otherwise (never the typed text: unbounded). The
    arguments never change which command a word names."""
    parsed = parse(command, [])
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


def run_command(
    player: Player,
    msg: AnyPlayerCommand,
    handling: Handling,
    context: Callable[[], Context],
    max_alias_depth: int,
    directory: DirectoryView | None,
) -> Outcome:
    """Run a player's command (aliases expanded, what their state allows checked) in the
    ``context`` it is given; ``directory``: the other shards' players (a split map).
    Never raises: a bug in one command must not take the connection or the queue."""
    parsed = resolve(msg.command, msg.args, player.aliases, max_alias_depth)
    if isinstance(parsed, str):
        handling.outcome = "rejected"
        return Outcome(False, parsed)
    # A player's own alias is labelled with the command it stands for.
    handling.command = parsed.spec.name
    handling.outcome = "ok"  # provisional: ok or rejected once answered, unless it fails
    spec = parsed.spec
    if not spec.admin:
        # What the character's state allows (admins' commands may always run).
        why_not = refusal(player.character, spec.allowed_when, spec.fighting_refusal)
        if why_not is not None:
            handling.outcome = "rejected"
            return Outcome(False, why_not)
    ctx = context()
    ctx.invocation = (spec.name, tuple(parsed.args))
    if directory is not None:
        ctx.directory = directory
        ctx.spans_shards = True
    try:
        return spec.run(ctx, parsed.args)
    except Exception:
        log.exception("command %r failed for %s", spec.name, player.id)
        handling.outcome = "error"
        return Outcome(False, "Something went wrong with that command; it has been logged.")


def handled(handling: Handling, started: float) -> None:
    """Count the command and log its one INFO line (ids from the log context)."""
    seconds = time.perf_counter() - started
    command = handling.label()
    commands_handled(command, handling.outcome).inc()
    command_seconds(command).observe(seconds)
    # One line per command: written without a LogRecord where the service's own handler
    # is the only one (``info_line``), the same text.
    info_line(
        log,
        "command handled",
        {"command": command, "outcome": handling.outcome, "duration_ms": round(seconds * 1000, 3)},
    )
