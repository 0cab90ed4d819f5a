"""argon2id password hashing, kept off the event loop."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2PasswordHasher:
    """argon2-cffi with its default (argon2id) parameters.

    Hashing is deliberately slow and memory-hungry, so every call runs in a worker thread.
    """

    def __init__(self, hasher: PasswordHasher, dummy_hash: str) -> None:
        self._hasher = hasher
        self._dummy_hash = dummy_hash

    @classmethod
    async def create(cls) -> Argon2PasswordHasher:
        hasher = PasswordHasher()
        # A hash of a random secret nobody knows: verifying against it for unknown usernames
        # costs the same as a wrong password, so timing does not reveal which names exist.
        dummy_hash = await asyncio.to_thread(hasher.hash, secrets.token_urlsafe(32))
        return cls(hasher, dummy_hash)

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, _utf8(password))

    async def verify(self, password_hash: str, password: str) -> bool:
        return await asyncio.to_thread(self._verify_blocking, password_hash, password)

    async def verify_dummy(self, password: str) -> None:
        await asyncio.to_thread(self._verify_blocking, self._dummy_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return False

    def _verify_blocking(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, _utf8(password))
        except (VerificationError, InvalidHashError):
            # VerificationError covers a mismatch; a corrupt stored hash must fail closed too.
            return False


def _utf8(password: str) -> bytes:
    """UTF-8, as argon2-cffi encodes text itself; a lone surrogate (possible in JSON, refused
    at registration) is kept rather than raising, so such a login fails like any other."""
    return password.encode("utf-8", "surrogatepass")
