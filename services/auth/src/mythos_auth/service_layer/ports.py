"""The interfaces the use cases need; adapters implement them, tests fake them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mythos_auth.domain.accounts import Account


@dataclass(frozen=True)
class StoredAccount:
    """An account together with its password hash, which never leaves the auth service."""

    account: Account
    password_hash: str


class AccountStore(Protocol):
    async def add(self, account: Account, password_hash: str) -> None:
        """Persist a new account; raise ``UsernameTaken`` if the username is in use."""
        ...

    async def get_by_username(self, username: str) -> StoredAccount | None:
        """Find an account by username, case-insensitively."""
        ...

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
