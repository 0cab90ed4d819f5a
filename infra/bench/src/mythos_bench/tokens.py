"""Access tokens for benchmark players, minted with the run's own signing key.

Registration is not what is measured (Argon2 hashing of thousands of passwords would
dominate the run), so the harness signs tokens with the key the auth service of this
run generated; the edge verifies them exactly as it verifies any token (JWKS, kid,
EdDSA, expiry, issuer, audience).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import jwt
from cryptography.hazmat.primitives.serialization import load_pem_private_key


class TokenMint:
    def __init__(self, key_file: Path, base_url: str) -> None:
        self._key = load_pem_private_key(key_file.read_bytes(), password=None)
        keys = httpx.get(f"{base_url}/auth/.well-known/jwks.json", timeout=10).json()["keys"]
        self._kid = keys[-1]["kid"]

    def mint(self, name: str, ttl: float = 3600.0, role: str = "player") -> tuple[str, str]:
        """(player id, token) for a new player called ``name`` (``role``: ``admin`` for
        a run's admin, as the auth service's ``grant`` gives it)."""
        player_id = str(uuid.uuid4())
        now = int(time.time())
        claims = {
            "sub": player_id,
            "name": name,
            "role": role,
            "iat": now,
            "exp": now + int(ttl),
            "iss": "mythos-auth",
            "aud": "mythos",
        }
        token = jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self._kid})  # type: ignore[arg-type]
        return player_id, token
