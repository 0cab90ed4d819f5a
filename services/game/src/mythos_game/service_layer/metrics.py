"""The game's Prometheus metrics (names from the shared ops catalogue).

Counted by the service layer, where commands are handled and events published; the
domain stays free of I/O. Every label is bounded: command names come from the command
registry (never what a player typed), event types from ``EventType``.
"""

from __future__ import annotations

import functools
from typing import Literal

from prometheus_client import Counter, Gauge, Histogram

CommandOutcome = Literal["ok", "error", "rejected"]
"""ok: the command ran and succeeded; rejected: it was refused (unknown, not allowed,
rate-limited, bad arguments, a stale connection); error: it failed (a bug, a broker or
persistence failure)."""

UNKNOWN_COMMAND = "unknown"
"""The ``command`` label of anything that is not a registered command or alias."""

COMMANDS_HANDLED = Counter(
    "mythos_game_commands",
    "Player commands handled, by canonical command name and outcome (ok|error|rejected).",
    ["command", "outcome"],
)
COMMAND_SECONDS = Histogram(
    "mythos_game_command_seconds",
    "Time from a player command's arrival at the game to its events being published.",
    ["command"],
    # Milliseconds normally; the tail reaches the persistence timeouts (seconds).
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
EVENTS_PUBLISHED = Counter(
    "mythos_game_events",
    "Event messages the game published on the events exchange, by event type "
    "(replays of messages already counted are not counted again; a response folded "
    "into a room event counts, though it shares that event's publish).",
    ["type"],
)
UNTRUSTED_COMMANDS = Counter(
    "mythos_game_untrusted_commands",
    "Messages on the command queue dropped because their broker user (AMQP user_id) "
    "is not GAME_COMMAND_PUBLISHER, the edges' user.",
)
TAKEOVER_AHEAD = Counter(
    "mythos_game_takeover_ahead",
    "Streams a starting game did not continue because an edge had delivered numbers "
    "the continued stream (journal or handoff) does not hold: must stay 0 (a resync each).",
)
BATCHED_COMMANDS_DEAD_LETTERED = Counter(
    "mythos_game_batched_commands_dead_lettered",
    "Commands of an edge's batch that failed and were dead-lettered alone, their "
    "neighbours handled (also counted in mythos_bus_delivered_total, as dead_letter).",
)
INPUTS_ALREADY_HANDLED = Counter(
    "mythos_game_inputs_already_handled",
    "Messages from edges skipped because their delivery_id was handled already: the "
    "broker delivered them again after their ack was lost (a dropped connection), or an "
    "edge published them again after a lost confirm.",
)
PLAYERS_ONLINE = Gauge(
    "mythos_game_players_online",
    "Players in the world, link-dead ones included (as 'who' lists them).",
)


# Children bound once per label value: ``labels()`` on every command or event validates
# the values and takes a lock. Every label here is bounded, so the caches are too.


@functools.cache
def commands_handled(command: str, outcome: CommandOutcome) -> Counter:
    return COMMANDS_HANDLED.labels(command, outcome)


@functools.cache
def command_seconds(command: str) -> Histogram:
    return COMMAND_SECONDS.labels(command)


@functools.cache
def events_published(event_type: str) -> Counter:
    return EVENTS_PUBLISHED.labels(event_type)
