"""Sessions: a login opens a refresh-token family; refresh rotates it; logout revokes it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from mythos_contracts.accounts import AccountRevoked, RevocationReason

from mythos_auth.adapters.tokens import AccessClaims, IssuedToken, TokenIssuer
from mythos_auth.domain.accounts import Account, AccountBarred
from mythos_auth.domain.sessions import (
    InvalidAccessToken,
    InvalidRefreshToken,
    RefreshPolicy,
    RefreshTokenReused,
    RotationOutcome,
    client_digest,
    hash_secret,
    new_refresh_token,
)
from mythos_auth.service_layer.ports import AccountStore, RevocationOutbox, SessionStore

log = logging.getLogger(__name__)

_REFUSALS = {
    RotationOutcome.UNKNOWN: "refresh token is not valid",
    RotationOutcome.EXPIRED: "refresh token has expired; log in again",
    RotationOutcome.SESSION_ENDED: "this login has reached its maximum age; log in again",
    RotationOutcome.REVOKED: "refresh token has been revoked; log in again",
}


@dataclass(frozen=True)
class TokenPair:
    access: IssuedToken
    refresh_token: str
    refresh_expires_in: int
    session_id: str
    account_id: str


class Sessions:
    def __init__(
        self,
        accounts: AccountStore,
        store: SessionStore,
        tokens: TokenIssuer,
        policy: RefreshPolicy,
        outbox: RevocationOutbox | None = None,
    ) -> None:
        """``outbox`` receives the revocation of each login ended here (logout, reuse), so
        its sockets close at once; without it they last until their token expires."""
        self._accounts = accounts
        self._store = store
        self._tokens = tokens
        self._policy = policy
        self._outbox = outbox

    async def start(self, account: Account, now: datetime) -> TokenPair:
        """After a successful login: a new family with its first refresh token."""
        refresh_token = new_refresh_token()
        expires_at = self._policy.token_expiry(now, now)
        session_id = await self._store.start_family(
            account.id, hash_secret(refresh_token), now, expires_at
        )
        return self._pair(account, refresh_token, session_id, now, expires_at)

    async def refresh(self, refresh_token: str, now: datetime, client: str) -> TokenPair:
        """Exchange a refresh token for a new access token and a new refresh token.

        ``client`` is the caller's network (a throttle key): the same network presenting
        the token again within the policy's grace gets a fresh pair instead of a revoked
        login. Raises ``RefreshTokenReused`` (the family is now revoked), ``AccountBarred``
        (the account is banned or disabled; the family is revoked) or
        ``InvalidRefreshToken``. The new access token carries the account's current name
        and role.
        """
        new_token = new_refresh_token()
        rotation = await self._store.rotate(
            hash_secret(refresh_token),
            hash_secret(new_token),
            client_digest(client),
            now,
            self._policy,
        )
        if rotation.outcome is RotationOutcome.REUSED:
            log.warning(
                "refresh token reuse: revoked session %s of account %s",
                rotation.family_id,
                rotation.account_id,
                extra={"user_id": rotation.account_id, "session_id": rotation.family_id},
            )
            if rotation.family_id is not None and rotation.account_id is not None:
                await self._revoked(rotation.account_id, rotation.family_id, "reused", now)
            raise RefreshTokenReused(rotation.account_id)
        if rotation.outcome is RotationOutcome.REVOKED and rotation.account_id is not None:
            # A banned player's client learns why, rather than only "log in again".
            revoked_account = await self._accounts.get_by_id(rotation.account_id)
            if revoked_account is not None:
                revoked_account.check_not_barred(now)
        if rotation.outcome is not RotationOutcome.ROTATED:
            raise InvalidRefreshToken(_REFUSALS[rotation.outcome])
        assert rotation.family_id is not None and rotation.account_id is not None
        assert rotation.expires_at is not None
        account = await self._accounts.get_by_id(rotation.account_id)
        if account is None:
            await self._store.revoke_family(rotation.family_id, "account", now)
            raise InvalidRefreshToken(_REFUSALS[RotationOutcome.UNKNOWN])
        try:
            account.check_not_barred(now)
        except AccountBarred:
            await self._store.revoke_family(rotation.family_id, "banned", now)
            await self._revoked(account.id, rotation.family_id, "banned", now)
            raise
        return self._pair(account, new_token, rotation.family_id, now, rotation.expires_at)

    async def logout(
        self, refresh_token: str | None, claims: AccessClaims | None, now: datetime
    ) -> bool:
        """Revoke the family named by the refresh token and/or the access token's session.

        True if either identified a session (already revoked counts: logout is idempotent).
        """
        ended = False
        if refresh_token:
            family_id = await self._store.family_of(hash_secret(refresh_token))
            if family_id is not None and await self._store.revoke_family(family_id, "logout", now):
                ended = True
                account_id = await self._store.account_of_family(family_id)
                if account_id is not None:
                    await self._revoked(account_id, family_id, "logout", now)
        if claims is not None:
            # A valid access token identifies its holder even without a session (tokens
            # minted before sessions existed carry no ``sid``).
            ended = True
            if claims.session_id is not None and await self._store.revoke_family(
                claims.session_id, "logout", now
            ):
                await self._revoked(claims.account_id, claims.session_id, "logout", now)
        return ended

    async def current_account(self, claims: AccessClaims, now: datetime | None = None) -> Account:
        """The account behind a verified access token, if its session is still live and the
        account is neither banned nor disabled."""
        if claims.session_id is not None and not await self._store.is_family_active(
            claims.session_id
        ):
            raise InvalidAccessToken("session has ended; log in again")
        account = await self._accounts.get_by_id(claims.account_id)
        if account is None:
            raise InvalidAccessToken("account no longer exists")
        barred = account.barred(now or datetime.now(UTC))
        if barred is not None:
            raise InvalidAccessToken(barred)
        return account

    async def _revoked(
        self, account_id: str, session_id: str, reason: RevocationReason, now: datetime
    ) -> None:
        """Queue the revocation of one login (its sockets close; the account's others stay)."""
        if self._outbox is not None:
            await self._outbox.add(
                AccountRevoked(
                    account_id=account_id,
                    reason=reason,
                    session_ids=[session_id],
                    whole_account=False,
                    revoked_at=now,
                )
            )

    def _pair(
        self,
        account: Account,
        refresh_token: str,
        session_id: str,
        now: datetime,
        refresh_expires_at: datetime,
    ) -> TokenPair:
        return TokenPair(
            access=self._tokens.issue(account, now=now, session_id=session_id),
            refresh_token=refresh_token,
            refresh_expires_in=max(0, int((refresh_expires_at - now).total_seconds())),
            session_id=session_id,
            account_id=account.id,
        )
