"""The edge's metrics (names from the operations catalogue; dashboards depend on them).

The edge is the hot path: every label value used per message is bound once here, so an
increment is one ``inc()`` on a ready child, never a ``labels()`` lookup per message.
Label values come from fixed sets (close codes, rejection reasons), never from clients,
so no client can grow the number of series.
"""

from __future__ import annotations

from typing import Final

from mythos_contracts.close_codes import CloseCode
from prometheus_client import Counter, Gauge

CONNECTIONS = Gauge("mythos_edge_connections", "Open client sessions on this edge.")
CONNECTION_CAP = Gauge(
    "mythos_edge_connection_cap",
    "Configured most concurrent sessions on this edge (EDGE_MAX_CONNECTIONS; 0: no cap).",
)
CONNECTIONS_OPENED = Counter(
    "mythos_edge_connections_opened", "Sessions accepted (handshake passed every check)."
)
CONNECTIONS_CLOSED = Counter(
    "mythos_edge_connections_closed",
    "Sessions ended, by WebSocket close code ('other' for codes outside the protocol's).",
    ["code"],
)
COMMANDS_FORWARDED = Counter(
    "mythos_edge_commands_forwarded", "Player commands published to the game."
)
COMMAND_MESSAGES = Counter(
    "mythos_edge_command_messages",
    "Broker messages that carried player commands to the game (a batch counts once).",
)
FRAMES_REJECTED = Counter(
    "mythos_edge_frames_rejected",
    "Client frames not forwarded as commands, by reason "
    "(too_large|binary|malformed|rate_limited|auth_refused).",
    ["reason"],
)
MESSAGES_DELIVERED = Counter(
    "mythos_edge_messages_delivered", "Lines written to clients (stream and control messages)."
)
RESUMES = Counter(
    "mythos_edge_resumes",
    "Reconnections that asked to resume, by outcome (resumed: the stream went on; "
    "resync: the game started a new one).",
    ["outcome"],
)
FENCED = Counter(
    "mythos_edge_fenced",
    "Envelopes dropped because they carry an older term of their shard than the newest "
    "this edge has seen: late publishes of a game that another has taken over from, by "
    "shard (the game names its shards; a handful).",
    ["shard"],
)
DRAINING = Gauge("mythos_edge_draining", "1 once this edge was told to stop (SIGTERM).")

# Close codes the protocol defines (docs/protocol.md) plus those of the WebSocket layer
# (1001 going away, 1005 no code, 1006 abnormal); a client may send any other code.
KNOWN_CLOSE_CODES: Final = tuple(sorted({*map(int, CloseCode), 1001, 1005, 1006, 1011}))
_CLOSED_BY_CODE: Final = {code: CONNECTIONS_CLOSED.labels(str(code)) for code in KNOWN_CLOSE_CODES}
_CLOSED_OTHER: Final = CONNECTIONS_CLOSED.labels("other")

REJECT_REASONS: Final = (
    "too_large",
    "binary",
    "malformed",
    "rate_limited",
    "auth_refused",
)
REJECTED: Final = {reason: FRAMES_REJECTED.labels(reason) for reason in REJECT_REASONS}

RESUMED: Final = RESUMES.labels("resumed")
RESYNCED: Final = RESUMES.labels("resync")


def count_close(code: int) -> None:
    _CLOSED_BY_CODE.get(code, _CLOSED_OTHER).inc()
