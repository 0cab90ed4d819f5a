"""A connection lives no longer than its token: at ``exp`` it is closed with 4003,
unless the client sent a fresh token in-band before (which moves the deadline).

One timer per connection, no task: it wakes at the deadline (at most every few minutes),
looks again (a refresh may have moved it) and closes the connection once it has passed.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Callable

from mythos_contracts.ops.log_lines import log_context

from mythos_edge.service_layer.connections import CLOSE_TOKEN_EXPIRED, Connection

log = logging.getLogger(__name__)

EXPIRED_REASON = "token expired: log in again (or refresh the token in-band before it expires)"
_LONGEST_NAP = 300.0

CallLater = Callable[[float, Callable[[], None]], asyncio.TimerHandle]

_TIMERS_CONTEXT = contextvars.Context()
"""What every connection's timer runs in: one empty context, not a copy of the current
one per timer (a context and its variables' map are objects that a full collection
walks, for each connection held). The timer sets the log ids itself."""


def expired(conn: Connection, now: float | None = None) -> bool:
    return (time.time() if now is None else now) >= conn.token_expires_at


def watch_expiry(
    conn: Connection,
    clock: Callable[[], float] = time.time,
    call_later: CallLater | None = None,
) -> None:
    """Close ``conn`` (4003) once its token's deadline has really passed; the timer is
    kept in ``conn.expiry`` (cancel it when the connection ends)."""
    if conn.closed or conn.closing:
        conn.expiry = None
        return
    remaining = conn.token_expires_at - clock()
    if remaining <= 0:
        conn.expiry = None
        with log_context(player_id=conn.player_id, connection_id=conn.connection_id):
            log.info("closing %s: token expired", conn.player_id)
            conn.close_after_flush(CLOSE_TOKEN_EXPIRED, EXPIRED_REASON)
        return
    if call_later is None:  # the loop's own, with arguments: no closure kept per connection
        loop = asyncio.get_running_loop()
        conn.expiry = loop.call_later(
            min(remaining, _LONGEST_NAP), watch_expiry, conn, clock, context=_TIMERS_CONTEXT
        )
    else:
        conn.expiry = call_later(
            min(remaining, _LONGEST_NAP), lambda: watch_expiry(conn, clock, call_later)
        )
