"""Issuing and checking EdDSA-signed JWT access tokens, and publishing the JWKS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from mythos_contracts.access_tokens import CLOCK_LEEWAY_SECONDS

from mythos_auth.adapters.signing_keys import KeyRing, SigningKey
from mythos_auth.domain.accounts import Account, Role
from mythos_auth.domain.sessions import InvalidAccessToken

ALGORITHM = "EdDSA"
# Bearer tokens longer than this are not even parsed.
MAX_TOKEN_LENGTH = 4096


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says."""

    account_id: str
    username: str
    role: Role
    # The login (refresh-token family) it came from; None for tokens minted before sessions.
    session_id: str | None
    expires_at: datetime


class TokenIssuer:
    """Signs access tokens with the active key; other services verify them with the JWKS."""

    def __init__(
        self, keys: KeyRing | SigningKey, issuer: str, audience: str, ttl_seconds: int
    ) -> None:
        self._keys = keys if isinstance(keys, KeyRing) else KeyRing(active=keys)
        self._issuer = issuer
        self._audience = audience
        self._ttl_seconds = ttl_seconds

    @property
    def active_kid(self) -> str:
        return self._keys.active.kid

    def issue(
        self, account: Account, now: datetime | None = None, session_id: str | None = None
    ) -> IssuedToken:
        issued_at = now or datetime.now(UTC)
        claims: dict[str, Any] = {
            "sub": account.id,
            "name": account.username,
            "role": account.role.value,
            "iat": issued_at,
            "exp": issued_at + timedelta(seconds=self._ttl_seconds),
            "iss": self._issuer,
            "aud": self._audience,
        }
        if session_id is not None:
            claims["sid"] = session_id
        key = self._keys.active
        # Ed25519 signing takes microseconds, so it is fine on the event loop.
        token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})
        return IssuedToken(token=token, expires_in=self._ttl_seconds)

    def verify(self, token: str, now: datetime) -> AccessClaims:
        """Check signature (by ``kid``, any published key), issuer, audience and expiry.

        Times are checked against ``now`` (the service clock) rather than PyJWT's own clock:
        ``exp`` strictly, ``iat`` and ``nbf`` with ``CLOCK_LEEWAY_SECONDS`` of leeway.
        Raises ``InvalidAccessToken``.
        """
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidAccessToken("access token is malformed")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidAccessToken("access token is malformed") from exc
        kid = header.get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidAccessToken("access token is signed by an unknown key")
        try:
            claims = jwt.decode(
                token,
                key.private_key.public_key(),
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={
                    "require": ["exp", "iat", "sub", "iss", "aud"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidAccessToken("access token is invalid") from exc
        expires_at = _timestamp(claims.get("exp"))
        if expires_at is None or expires_at <= now:
            raise InvalidAccessToken("access token has expired")
        # iat and nbf, unlike exp, allow for clocks a few seconds apart (see the contract).
        latest = now + timedelta(seconds=CLOCK_LEEWAY_SECONDS)
        # iat is required (decode checked); nbf is optional.
        for claim in ("iat", "nbf") if "nbf" in claims else ("iat",):
            moment = _timestamp(claims[claim])
            if moment is None or moment > latest:
                raise InvalidAccessToken("access token is not valid yet")
        subject, name = claims.get("sub"), claims.get("name")
        session_id = claims.get("sid")
        try:
            role = Role(claims.get("role", Role.PLAYER.value))
        except ValueError as exc:
            raise InvalidAccessToken("access token is invalid") from exc
        if not isinstance(subject, str) or not isinstance(name, str):
            raise InvalidAccessToken("access token is invalid")
        if session_id is not None and not isinstance(session_id, str):
            raise InvalidAccessToken("access token is invalid")
        return AccessClaims(
            account_id=subject,
            username=name,
            role=role,
            session_id=session_id,
            expires_at=expires_at,
        )

    def jwks(self) -> dict[str, Any]:
        return self._keys.jwks()


def _timestamp(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
