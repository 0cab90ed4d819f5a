"""Verifies access tokens with the auth service's public keys (JWKS), never a shared secret.

Keys are fetched once and cached; an unknown ``kid`` triggers one refetch, so key
rotation needs no edge restart. Fetches are at least ``refetch_seconds`` apart whether
they succeed or fail: neither random key ids nor an auth service that is down make every
handshake a request to it (while the last fetch failed, handshakes that need a key the
edge lacks are answered "keys unavailable" without another fetch).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import httpx
import jwt
from jwt.algorithms import OKPAlgorithm
from mythos_contracts.access_tokens import CLOCK_LEEWAY_SECONDS

log = logging.getLogger(__name__)

DEFAULT_REFETCH_SECONDS = 10.0
# Tokens longer than this are not even parsed (the auth service never issues one).
MAX_TOKEN_LENGTH = 4096


class InvalidToken(Exception):
    """The token is missing, forged, expired or otherwise unusable."""


class TokenExpired(InvalidToken):
    """Genuine but past its ``exp``: the client should refresh it."""


class KeysUnavailable(InvalidToken):
    """The auth service's keys could not be fetched: the token may well be good."""


@dataclass(frozen=True)
class Identity:
    player_id: str
    name: str
    role: str = "player"
    expires_at: float = float("inf")
    """The token's ``exp`` (seconds since the epoch): the connection must refresh by then."""
    session_id: str | None = None
    """The token's ``sid``: the login it belongs to (a refresh keeps it, a new login does not)."""


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Identity:
        """The identity a token proves; raises ``InvalidToken``."""
        ...


class JwksTokenVerifier:
    def __init__(
        self,
        jwks_url: str,
        *,
        issuer: str,
        audience: str,
        refetch_seconds: float = DEFAULT_REFETCH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``clock`` measures the refetch interval (tests drive it)."""
        self._url = jwks_url
        self._clock = clock
        self._issuer = issuer
        self._audience = audience
        self._keys: dict[str, object] = {}
        self._refetch_seconds = refetch_seconds
        self._attempted_at = -math.inf
        self._failed = False
        """The last fetch failed: a missing key may exist, the keys are unavailable."""
        self.fetches = 0
        """Fetch attempts so far (for tests and logs)."""
        self._lock = asyncio.Lock()

    async def verify(self, token: str) -> Identity:
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("token too long")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed token") from exc
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("token has no key id")
        key = await self._key(kid)
        try:
            claims = jwt.decode(
                token,
                key=key,  # type: ignore[arg-type]
                algorithms=["EdDSA"],
                audience=self._audience,
                issuer=self._issuer,
                # Leeway for iat and nbf only: the clocks of auth and this edge may differ
                # by a few seconds; exp is checked below, with none.
                leeway=CLOCK_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "sub", "iss", "aud"], "verify_exp": False},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        exp = claims["exp"]
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            raise InvalidToken("the exp claim is not a number")
        if exp <= time.time():
            raise TokenExpired("token expired")
        name = claims.get("name")
        if not isinstance(name, str) or not isinstance(claims["sub"], str):
            raise InvalidToken("token lacks the player's id or name")
        role = claims.get("role", "player")
        session_id = claims.get("sid")
        return Identity(
            player_id=claims["sub"],
            name=name,
            role=role if isinstance(role, str) else "player",
            expires_at=float(claims["exp"]),
            session_id=session_id if isinstance(session_id, str) else None,
        )

    async def _key(self, kid: str) -> object:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            now = self._clock()
            if kid not in self._keys and now - self._attempted_at >= self._refetch_seconds:
                self._attempted_at = now  # before the fetch: a failure counts too
                await self._refresh()
        if kid not in self._keys:
            if self._failed:
                raise KeysUnavailable("signing keys are unavailable; try again shortly")
            raise InvalidToken("token signed by an unknown key")
        return self._keys[kid]

    async def _refresh(self) -> None:
        self.fetches += 1
        self._failed = True
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.get(self._url)
                response.raise_for_status()
                document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("could not fetch signing keys from %s: %s", self._url, exc)
            raise KeysUnavailable("signing keys are unavailable; try again shortly") from exc
        self._failed = False
        keys: dict[str, object] = {}
        for jwk in document.get("keys", []):
            if jwk.get("kty") == "OKP" and isinstance(jwk.get("kid"), str):
                keys[jwk["kid"]] = OKPAlgorithm.from_jwk(json.dumps(jwk))
        self._keys = keys
        log.info("loaded %d signing key(s) from %s", len(keys), self._url)
