"""Revoked logins: close their sockets now, and refuse their tokens for a while.

An access token is verified offline, so a revoked login's token would otherwise keep
opening sockets until its ``exp``. Each edge remembers the revoked logins (``sid``) it has
heard of for ``memory_seconds`` (set it to at least the access-token lifetime), at most
``max_entries`` of them (the oldest forgotten first). An edge started after a revocation
does not know it: that token still works there until it expires, but cannot be refreshed.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable

from mythos_contracts.accounts import CLOSE_REVOKED, AccountRevoked

from mythos_edge.service_layer.connections import ConnectionRegistry

log = logging.getLogger(__name__)


class Revocations:
    def __init__(
        self,
        registry: ConnectionRegistry,
        *,
        memory_seconds: float,
        max_entries: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._registry = registry
        self._memory = memory_seconds
        self._max = max_entries
        self._clock = clock
        self._until: OrderedDict[str, float] = OrderedDict()

    def apply(self, revoked: AccountRevoked) -> int:
        """Remember the revoked logins and close this edge's sockets they end; how many."""
        until = self._clock() + self._memory
        for session_id in revoked.session_ids:
            self._until[session_id] = until
            self._until.move_to_end(session_id)
        self._forget_old()
        closed = 0
        for conn in self._registry.of_player(revoked.account_id):
            if revoked.ends(conn.player_id, conn.session_id) and not conn.closed:
                conn.close_after_flush(CLOSE_REVOKED, revoked.close_reason)
                closed += 1
        log.info(
            "revocation of %s (%s): closed %d socket(s) here",
            revoked.account_id,
            revoked.reason,
            closed,
            extra={"player_id": revoked.account_id},
        )
        return closed

    def revoked(self, session_id: str | None) -> bool:
        """True when this login was revoked within ``memory_seconds`` (as far as we heard)."""
        if session_id is None:
            return False
        until = self._until.get(session_id)
        return until is not None and until > self._clock()

    def __len__(self) -> int:
        return len(self._until)

    def _forget_old(self) -> None:
        now = self._clock()
        while self._until and (
            len(self._until) > self._max or next(iter(self._until.values())) <= now
        ):
            self._until.popitem(last=False)
