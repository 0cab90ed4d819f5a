"""Auth on the bus: publishes the revocations outbox and applies bans asked for in game.

Nothing here is on the path of a login or a refresh: a change that revokes logins writes
its revocation to the outbox in its own transaction and returns; the relay publishes it
(``revocation_key`` on the accounts exchange) as soon as the broker takes it, retrying
with backoff while it is down, from a connection opened in the background. Bans from the
game wait in the durable ``AUTH_REQUESTS_QUEUE`` while auth is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from mythos_contracts.accounts import AccountRevoked, BanRequest
from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.routing import ACCOUNTS_EXCHANGE, AUTH_REQUESTS_QUEUE, revocation_key

from mythos_auth.adapters.account_store import SqlAccountStore
from mythos_auth.adapters.revocation_outbox import SqlRevocationOutbox
from mythos_auth.clock import Clock
from mythos_auth.domain.accounts import format_moment
from mythos_auth.service_layer.moderation import apply_ban

log = logging.getLogger(__name__)

BATCH = 100
MAX_BACKOFF_SECONDS = 30.0


class AccountBus:
    """The outbox port for the use cases (``add``), and the background work (``run``)."""

    def __init__(
        self,
        bus: Bus | None,
        outbox: SqlRevocationOutbox,
        accounts: SqlAccountStore,
        clock: Clock,
        *,
        max_age: timedelta,
        poll_seconds: float,
    ) -> None:
        """``max_age``: revocations older than this (one access-token lifetime) are moot and
        dropped unpublished. Without a ``bus`` they are only kept (and dropped when moot)."""
        self._bus = bus
        self._outbox = outbox
        self._accounts = accounts
        self._clock = clock
        self._max_age = max_age
        self._poll = poll_seconds
        self._wake = asyncio.Event()

    async def add(self, revoked: AccountRevoked) -> None:
        await self._outbox.add(revoked)
        self._wake.set()

    async def run(self) -> None:
        """Until cancelled: connect, take ban requests, publish what the outbox holds."""
        if self._bus is None:
            return
        await self._connect(self._bus)
        backoff = 1.0
        while True:
            self._wake.clear()  # before reading: a revocation added meanwhile wakes us again
            delay = self._poll
            try:
                published = await self.publish_pending(self._bus)
                if published:
                    log.info("published %d revocation(s)", published)
                backoff = 1.0
            except Exception as exc:
                log.warning("revocations not published yet (%r); retrying in %.0f s", exc, backoff)
                delay, backoff = backoff, min(backoff * 2, MAX_BACKOFF_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def publish_pending(self, bus: Bus) -> int:
        """Publish every pending revocation, oldest first, deleting each once the broker
        has it (a crash in between publishes it twice, which is harmless)."""
        await self._outbox.purge_older_than(self._clock.now() - self._max_age)
        published = 0
        while True:
            batch = await self._outbox.pending(BATCH)
            for item in batch:
                revoked = item.message
                await bus.publish(
                    ACCOUNTS_EXCHANGE,
                    revocation_key(revoked.account_id),
                    revoked.model_dump_json().encode(),
                )
                await self._outbox.published(item.id)
                published += 1
            if len(batch) < BATCH:
                return published

    async def _connect(self, bus: Bus) -> None:
        backoff = 1.0
        while True:
            try:
                await bus.connect()
                break
            except Exception as exc:
                log.warning("broker unreachable (%r); retrying in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        await bus.consume(AUTH_REQUESTS_QUEUE, self._on_request, prefetch=10)
        log.info("connected to the broker: taking account requests, publishing revocations")

    async def _on_request(self, delivery: Delivery) -> None:
        # A malformed request raises: the bus dead-letters it.
        request = BanRequest.model_validate_json(delivery.body)
        change = await apply_ban(self._accounts, request, self._clock.now())
        if change is None:
            log.warning(
                "ban of unknown account %s asked by %s", request.account_id, request.requested_by
            )
            return
        until = "until lifted" if request.until is None else format_moment(request.until)
        log.info(
            "banned %s (%s) %s at the request of admin %s in game: ended %d login(s)",
            change.account.username,
            change.account.id,
            until,
            request.requested_by,
            change.ended_logins,
            extra={"user_id": change.account.id},
        )
        self._wake.set()
