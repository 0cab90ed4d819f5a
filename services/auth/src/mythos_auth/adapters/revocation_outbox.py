"""The revocations outbox: ``AccountRevoked`` messages waiting to be published.

A revocation is written in the transaction of the change that causes it (a ban, a
demotion, a logout), so it cannot be lost between the database and the broker: the relay
(``entrypoints/account_bus.py``) publishes it whenever the broker is reachable, from any
auth instance, and deletes it then. Rows older than one access-token lifetime are moot
(every token they name has expired) and are deleted unpublished.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from mythos_contracts.accounts import AccountRevoked
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mythos_auth.adapters.tables import revocations


@dataclass(frozen=True)
class PendingRevocation:
    id: str
    message: AccountRevoked


async def add_revocation(connection: AsyncConnection, revoked: AccountRevoked) -> None:
    """Queue ``revoked`` inside the caller's transaction."""
    await connection.execute(
        insert(revocations).values(
            id=str(uuid.uuid4()),
            account_id=revoked.account_id,
            created_at=revoked.revoked_at,
            body=revoked.model_dump_json(),
        )
    )


class SqlRevocationOutbox:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, revoked: AccountRevoked) -> None:
        async with self._engine.begin() as connection:
            await add_revocation(connection, revoked)

    async def pending(self, limit: int) -> list[PendingRevocation]:
        """The oldest revocations not yet published, oldest first."""
        statement = (
            select(revocations.c.id, revocations.c.body)
            .order_by(revocations.c.created_at)
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [
            PendingRevocation(row.id, AccountRevoked.model_validate_json(row.body)) for row in rows
        ]

    async def published(self, revocation_id: str) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(delete(revocations).where(revocations.c.id == revocation_id))

    async def purge_older_than(self, moment: datetime) -> int:
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(revocations).where(revocations.c.created_at < moment)
            )
        return result.rowcount
