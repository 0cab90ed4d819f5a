"""The persistence service's Prometheus metrics (names from the ops catalogue).

``operation`` is one bounded name per store method, never anything taken from a
message, so the number of series stays fixed whatever the game sends.
"""

from __future__ import annotations

from typing import Literal, get_args

from prometheus_client import Counter, Histogram

# take_handoff is a write: it deletes every handed-off stream in the transaction that reads them.
WriteOperation = Literal[
    "save_player",
    "append_chat",
    "save_handoff",
    "take_handoff",
    "save_item",
    "save_character",
    "raise_term",
]
ReadOperation = Literal[
    "load_player",
    "chat_history",
    "load_floor_items",
    "load_held_items",
    "load_characters",
    "character_names",
]
WRITE_OPERATIONS: tuple[WriteOperation, ...] = get_args(WriteOperation)
READ_OPERATIONS: tuple[ReadOperation, ...] = get_args(ReadOperation)

DB_WRITE_SECONDS = Histogram(
    "mythos_persistence_db_write_seconds",
    "Time of each database write attempt (failed attempts included), by store operation.",
    ["operation"],
)
WRITES = Counter(
    "mythos_persistence_writes",
    "Database write attempts by store operation and outcome (ok|error); a save retried "
    "through an outage counts one error per failed attempt.",
    ["operation", "outcome"],
)
DB_READ_SECONDS = Histogram(
    "mythos_persistence_db_read_seconds",
    "Time of each database read (failed reads included), by store operation.",
    ["operation"],
)

# Every series exists from the start at 0, so a rate() over a fresh process is not empty
# and an alert on errors does not wait for the first error to have a series to look at.
for _operation in WRITE_OPERATIONS:
    DB_WRITE_SECONDS.labels(_operation)
    for _outcome in ("ok", "error"):
        WRITES.labels(_operation, _outcome)
for _read in READ_OPERATIONS:
    DB_READ_SECONDS.labels(_read)
