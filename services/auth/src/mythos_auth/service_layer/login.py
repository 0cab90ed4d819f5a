"""The login use case: throttles, a password-hashing slot, the check, a new session.

Order matters. The cheap in-memory throttles answer first, so a throttled client never
waits for (or takes) a hashing slot. The lockouts are checked again once a slot is held,
because the wait for it may have let other attempts fail meanwhile; then the attempt is
counted as a failure before the password is checked (``ExponentialLockout.begin``), so a
burst of concurrent guesses cannot slip past the check together.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from mythos_auth.clock import Clock
from mythos_auth.domain.accounts import (
    AccountBarred,
    InvalidCredentials,
    canonical_username,
    is_valid_username,
)
from mythos_auth.domain.throttling import ExponentialLockout, SlidingWindowLimit
from mythos_auth.service_layer import accounts
from mythos_auth.service_layer.ports import AccountStore, SlottedPasswordHasher
from mythos_auth.service_layer.sessions import Sessions, TokenPair

log = logging.getLogger(__name__)

ThrottledBy = Literal["address", "username"]


class LoginThrottled(Exception):
    """Refused before any password check; ``reason`` is safe to show, ``wait`` in seconds."""

    def __init__(self, wait: float, reason: str, limit: ThrottledBy) -> None:
        super().__init__(reason)
        self.wait = wait
        self.reason = reason
        self.limit = limit


@dataclass(frozen=True)
class LoginThrottles:
    """The three login limits (per instance; see docs/security.md).

    ``per_address`` counts every attempt of a client network. ``per_name_and_network``
    locks one username for one client network only, so nobody elsewhere can keep a player
    locked out; ``per_username`` is the much higher ceiling on attempts at one username
    from all networks together, against guessing spread over many addresses.
    """

    per_address: SlidingWindowLimit
    per_name_and_network: ExponentialLockout
    per_username: SlidingWindowLimit


class LoginBarred(AccountBarred):
    """The password was right but the account is banned or disabled."""

    def __init__(self, reason: str, account_id: str) -> None:
        super().__init__(reason)
        self.account_id = account_id


FROM_ADDRESS = "too many login attempts from your address"
FOR_USERNAME = "too many failed logins for this username"
FOR_USERNAME_EVERYWHERE = "too many login attempts for this username from all addresses"


class Login:
    def __init__(
        self,
        store: AccountStore,
        hasher: SlottedPasswordHasher,
        sessions: Sessions,
        throttles: LoginThrottles,
        clock: Clock,
    ) -> None:
        self._store = store
        self._hasher = hasher
        self._sessions = sessions
        self._throttles = throttles
        self._clock = clock

    async def __call__(self, username: str, password: str, client: str) -> TokenPair:
        """Log in from client network ``client`` (a throttle key).

        Raises ``LoginThrottled``, ``HashingBusy`` (no hashing slot freed in time),
        ``InvalidCredentials`` or, for the right password of a banned or disabled account,
        ``LoginBarred``.
        """
        wait = self._throttles.per_address.acquire(client)
        if wait is not None:
            raise LoginThrottled(wait, FROM_ADDRESS, "address")
        # Locked by name whether or not the account exists, so a lockout reveals nothing.
        # Names that could never exist cannot log in, and are not worth remembering.
        name = canonical_username(username) if is_valid_username(username) else None
        self._check_username(name, client)
        async with self._hasher.reserved() as hasher:
            self._check_username(name, client)
            if name is not None:
                self._throttles.per_name_and_network.begin(_key(name, client))
                self._throttles.per_username.hit(name)
            try:
                account = await accounts.authenticate(self._store, hasher, username, password)
            except InvalidCredentials:
                self._note_lockout(name, client)
                raise
        if name is not None:
            self._throttles.per_name_and_network.succeeded(_key(name, client))
        now = self._clock.now()
        try:
            account.check_not_barred(now)
        except AccountBarred as exc:
            raise LoginBarred(exc.reason, account.id) from exc
        return await self._sessions.start(account, now)

    def _check_username(self, name: str | None, client: str) -> None:
        if name is None:
            return
        wait = self._throttles.per_name_and_network.retry_after(_key(name, client))
        if wait is not None:
            raise LoginThrottled(wait, FOR_USERNAME, "username")
        wait = self._throttles.per_username.retry_after(name)
        if wait is not None:
            raise LoginThrottled(wait, FOR_USERNAME_EVERYWHERE, "username")

    def _note_lockout(self, name: str | None, client: str) -> None:
        if name is None:
            return
        key = _key(name, client)
        if self._throttles.per_name_and_network.retry_after(key) is not None:
            log.warning(
                "login lockout for username %r from %s after %d consecutive failures",
                name,
                client,
                self._throttles.per_name_and_network.failures(key),
            )


def _key(name: str, client: str) -> str:
    # A space never occurs in a valid username, so the pair cannot be confused.
    return f"{name} {client}"
