"""Issuing EdDSA-signed JWT access tokens and publishing the matching JWKS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from mythos_auth.adapters.signing_keys import SigningKey
from mythos_auth.domain.accounts import Account

ALGORITHM = "EdDSA"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int


class TokenIssuer:
    """Signs access tokens; other services verify them offline with the JWKS."""

    def __init__(self, key: SigningKey, issuer: str, audience: str, ttl_seconds: int) -> None:
        self._key = key
        self._issuer = issuer
        self._audience = audience
        self._ttl_seconds = ttl_seconds

    def issue(self, account: Account, now: datetime | None = None) -> IssuedToken:
        issued_at = now or datetime.now(UTC)
        claims = {
            "sub": account.id,
            "name": account.username,
            "iat": issued_at,
            "exp": issued_at + timedelta(seconds=self._ttl_seconds),
            "iss": self._issuer,
            "aud": self._audience,
        }
        # Ed25519 signing takes microseconds, so it is fine on the event loop.
        token = jwt.encode(
            claims, self._key.private_key, algorithm=ALGORITHM, headers={"kid": self._key.kid}
        )
        return IssuedToken(token=token, expires_in=self._ttl_seconds)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self._key.public_jwk()]}
