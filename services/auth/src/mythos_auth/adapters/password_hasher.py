"""argon2id password hashing, kept off the event loop and bounded in memory."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mythos_auth.service_layer.ports import HashingBusy

T = TypeVar("T")

# What one hash costs with argon2-cffi's default profile (RFC 9106 low memory): 64 MiB.
HASH_MEMORY_MIB = PasswordHasher().memory_cost // 1024


def slots_for(memory_mib: int) -> int:
    """How many hashes may run at once within ``memory_mib`` (at least one)."""
    return max(1, memory_mib // HASH_MEMORY_MIB)


class Argon2PasswordHasher:
    """argon2-cffi with its default (argon2id) parameters.

    Each hash holds 64 MiB for its duration, so at most ``slots`` run at once, on an
    executor of exactly that many threads (the hard bound on memory). A caller waits up to
    ``wait_seconds`` for a free slot and then gets ``HashingBusy`` instead of queueing
    without end.
    """

    def __init__(
        self, hasher: PasswordHasher, dummy_hash: str, *, slots: int, wait_seconds: float
    ) -> None:
        self._hasher = hasher
        self._dummy_hash = dummy_hash
        self.slots = slots
        self.wait_seconds = wait_seconds
        self._free = asyncio.Semaphore(slots)
        self._executor = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="argon2")

    @classmethod
    async def create(cls, *, slots: int = 4, wait_seconds: float = 5.0) -> Argon2PasswordHasher:
        hasher = PasswordHasher()
        # A hash of a random secret nobody knows: verifying against it for unknown usernames
        # costs the same as a wrong password, so timing does not reveal which names exist.
        dummy_hash = await asyncio.to_thread(hasher.hash, secrets.token_urlsafe(32))
        return cls(hasher, dummy_hash, slots=slots, wait_seconds=wait_seconds)

    def close(self) -> None:
        """Stop the hashing threads (a hash still running finishes first)."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    @asynccontextmanager
    async def reserved(self) -> AsyncIterator[ReservedHasher]:
        """Hold one hashing slot; the hasher yielded runs its hashes in it, one at a time.

        Raises ``HashingBusy`` when no slot frees within ``wait_seconds``.
        """
        try:
            async with asyncio.timeout(self.wait_seconds):
                await self._free.acquire()
        except TimeoutError as exc:
            raise HashingBusy(self.wait_seconds) from exc
        try:
            yield ReservedHasher(self)
        finally:
            # Released even if a cancelled caller left a hash running: the executor's size,
            # not this count, is what bounds the memory.
            self._free.release()

    async def hash(self, password: str) -> str:
        async with self.reserved() as hasher:
            return await hasher.hash(password)

    async def verify(self, password_hash: str, password: str) -> bool:
        async with self.reserved() as hasher:
            return await hasher.verify(password_hash, password)

    async def verify_dummy(self, password: str) -> None:
        async with self.reserved() as hasher:
            await hasher.verify_dummy(password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return False

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def _hash_blocking(self, password: str) -> str:
        return self._hasher.hash(_utf8(password))

    def _verify_blocking(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, _utf8(password))
        except (VerificationError, InvalidHashError):
            # VerificationError covers a mismatch; a corrupt stored hash must fail closed too.
            return False


class ReservedHasher:
    """The hasher while a slot is held: calls run at once, without waiting for a slot."""

    def __init__(self, owner: Argon2PasswordHasher) -> None:
        self._owner = owner

    async def hash(self, password: str) -> str:
        return await self._owner._run(self._owner._hash_blocking, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._owner._run(self._owner._verify_blocking, password_hash, password)

    async def verify_dummy(self, password: str) -> None:
        await self._owner._run(self._owner._verify_blocking, self._owner._dummy_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._owner.needs_rehash(password_hash)


def _utf8(password: str) -> bytes:
    """UTF-8, as argon2-cffi encodes text itself; a lone surrogate (possible in JSON, refused
    at registration) is kept rather than raising, so such a login fails like any other."""
    return password.encode("utf-8", "surrogatepass")
