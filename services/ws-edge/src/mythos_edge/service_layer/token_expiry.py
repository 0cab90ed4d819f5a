"""A connection lives no longer than its token: at ``exp`` it is closed with 4003,
unless the client sent a fresh token in-band before (which moves the deadline)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from mythos_edge.service_layer.connections import CLOSE_TOKEN_EXPIRED, Connection

log = logging.getLogger(__name__)

EXPIRED_REASON = "token expired: log in again (or refresh the token in-band before it expires)"
_LONGEST_NAP = 300.0


def expired(conn: Connection, now: float | None = None) -> bool:
    return (time.time() if now is None else now) >= conn.token_expires_at


async def enforce_expiry(
    conn: Connection,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Sleeps until the token's expiry, looks again (a refresh may have moved it), and
    closes the connection once the deadline has really passed."""
    while not conn.closed:
        remaining = conn.token_expires_at - clock()
        if remaining <= 0:
            log.info("closing %s: token expired", conn.player_id)
            conn.close_after_flush(CLOSE_TOKEN_EXPIRED, EXPIRED_REASON)
            return
        await sleep(min(remaining, _LONGEST_NAP))
