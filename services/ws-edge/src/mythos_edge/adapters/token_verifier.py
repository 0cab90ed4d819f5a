"""Verifies access tokens with the auth service's public keys (JWKS), never a shared secret.

Keys are fetched once and cached; an unknown ``kid`` triggers one refetch (rate
limited), so key rotation needs no edge restart.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass

import httpx
import jwt
from jwt.algorithms import OKPAlgorithm

log = logging.getLogger(__name__)

_REFETCH_INTERVAL = 10.0


class InvalidToken(Exception):
    """The token is missing, forged, expired or otherwise unusable."""


@dataclass(frozen=True)
class Identity:
    player_id: str
    name: str
    role: str = "player"


class JwksTokenVerifier:
    def __init__(self, jwks_url: str, *, issuer: str, audience: str) -> None:
        self._url = jwks_url
        self._issuer = issuer
        self._audience = audience
        self._keys: dict[str, object] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def verify(self, token: str) -> Identity:
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
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        name = claims.get("name")
        if not isinstance(name, str) or not isinstance(claims["sub"], str):
            raise InvalidToken("token lacks the player's id or name")
        role = claims.get("role", "player")
        return Identity(
            player_id=claims["sub"], name=name, role=role if isinstance(role, str) else "player"
        )

    async def _key(self, kid: str) -> object:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at > _REFETCH_INTERVAL:
                await self._refresh()
        if kid not in self._keys:
            raise InvalidToken("token signed by an unknown key")
        return self._keys[kid]

    async def _refresh(self) -> None:
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.get(self._url)
                response.raise_for_status()
                document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("could not fetch signing keys from %s: %s", self._url, exc)
            raise InvalidToken("signing keys are unavailable; try again shortly") from exc
        self._fetched_at = time.monotonic()
        keys: dict[str, object] = {}
        for jwk in document.get("keys", []):
            if jwk.get("kty") == "OKP" and isinstance(jwk.get("kid"), str):
                keys[jwk["kid"]] = OKPAlgorithm.from_jwk(json.dumps(jwk))
        self._keys = keys
        log.info("loaded %d signing key(s) from %s", len(keys), self._url)
