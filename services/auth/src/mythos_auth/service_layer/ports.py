"""The interfaces the use cases need; adapters implement them, tests fake them."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mythos_contracts.accounts import AccountRevoked

from mythos_auth.domain.accounts import Account
from mythos_auth.domain.sessions import RefreshPolicy, Rotation


@dataclass(frozen=True)
class StoredAccount:
    """An account together with its password hash, which never leaves the auth service."""

    account: Account
    password_hash: str


class AccountStore(Protocol):
    async def add(
        self,
        account: Account,
        password_hash: str,
        *,
        invite_hash: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Persist a new account; raise ``UsernameTaken`` if the username is in use.

        With ``invite_hash``, claim that invite atomically with the insert, or raise
        ``InviteRejected`` and write nothing.
        """
        ...

    async def get_by_username(self, username: str) -> StoredAccount | None:
        """Find an account by username, case-insensitively."""
        ...

    async def get_by_id(self, account_id: str) -> Account | None: ...

    async def update_password_hash(self, account_id: str, password_hash: str) -> None: ...

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    async def verify_dummy(self, password: str) -> None:
        """Spend the time a real verification would, for usernames that do not exist."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class HashingBusy(Exception):
    """Every password-hashing slot stayed taken for ``waited`` seconds; try again shortly."""

    def __init__(self, waited: float) -> None:
        super().__init__(f"no password-hashing slot freed within {waited} s")
        self.waited = waited


class SlottedPasswordHasher(PasswordHasher, Protocol):
    """A hasher that bounds how many hashes run at once (each costs 64 MiB)."""

    def reserved(self) -> AbstractAsyncContextManager[PasswordHasher]:
        """Hold one slot for several hashes in a row; raises ``HashingBusy`` if none frees."""
        ...


class InviteLookup(Protocol):
    """What registration needs to know about an invite before the costly password hash."""

    async def get(self, code_hash: str) -> InviteState | None: ...


class InviteState(Protocol):
    @property
    def expires_at(self) -> datetime: ...

    @property
    def used_at(self) -> datetime | None: ...


class SessionStore(Protocol):
    """Refresh-token families, addressed by the SHA-256 digests of their tokens."""

    async def start_family(
        self, account_id: str, token_hash: str, now: datetime, expires_at: datetime
    ) -> str: ...

    async def rotate(
        self, token_hash: str, new_hash: str, client: str, now: datetime, policy: RefreshPolicy
    ) -> Rotation: ...

    async def family_of(self, token_hash: str) -> str | None: ...

    async def revoke_family(self, family_id: str, reason: str, now: datetime) -> bool: ...

    async def account_of_family(self, family_id: str) -> str | None: ...

    async def is_family_active(self, family_id: str) -> bool: ...


class RevocationOutbox(Protocol):
    """Where revocations go to be published (edges close the sockets, the game drops the
    player). Adding one must not wait for the broker."""

    async def add(self, revoked: AccountRevoked) -> None: ...
