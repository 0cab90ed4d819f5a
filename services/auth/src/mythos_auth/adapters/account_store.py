"""SQLAlchemy implementation of the ``AccountStore`` port."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from mythos_auth.adapters.tables import accounts
from mythos_auth.domain.accounts import Account, UsernameTaken, canonical_username
from mythos_auth.service_layer.ports import StoredAccount


class SqlAccountStore:
    """Accounts in the auth service's own database; the only reader of password hashes."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, account: Account, password_hash: str) -> None:
        statement = insert(accounts).values(
            id=account.id,
            username=account.username,
            username_lower=canonical_username(account.username),
            password_hash=password_hash,
            created_at=account.created_at,
        )
        try:
            async with self._engine.begin() as connection:
                await connection.execute(statement)
        except IntegrityError as exc:
            # The id is a fresh uuid4, so the only constraint a new row can break is the
            # case-insensitive username index.
            raise UsernameTaken(account.username) from exc

    async def get_by_username(self, username: str) -> StoredAccount | None:
        statement = select(
            accounts.c.id, accounts.c.username, accounts.c.password_hash, accounts.c.created_at
        ).where(accounts.c.username_lower == canonical_username(username))
        async with self._engine.connect() as connection:
            row = (await connection.execute(statement)).one_or_none()
        if row is None:
            return None
        created_at = row.created_at
        if created_at.tzinfo is None:
            # SQLite drops the offset; everything is written in UTC, so put it back.
            created_at = created_at.replace(tzinfo=UTC)
        return StoredAccount(
            account=Account(id=row.id, username=row.username, created_at=created_at),
            password_hash=row.password_hash,
        )

    async def update_password_hash(self, account_id: str, password_hash: str) -> None:
        statement = (
            update(accounts).where(accounts.c.id == account_id).values(password_hash=password_hash)
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def ping(self) -> None:
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
