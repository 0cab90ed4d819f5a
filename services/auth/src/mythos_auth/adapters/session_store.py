"""Refresh-token families and invite codes in the auth database.

Only SHA-256 digests of refresh tokens and invite codes are stored (see
``mythos_auth.domain.sessions.hash_secret``); the callers hash before calling.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mythos_auth.adapters.account_store import aware
from mythos_auth.adapters.tables import invites, refresh_families, refresh_tokens
from mythos_auth.domain.sessions import RefreshPolicy, Rotation, RotationOutcome


@dataclass(frozen=True)
class Invite:
    code_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by: str | None
    note: str | None


class SqlSessionStore:
    """Refresh-token families: one per login, each rotated token a row, revoked as a whole."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def start_family(
        self, account_id: str, token_hash: str, now: datetime, expires_at: datetime
    ) -> str:
        """Open a new family (a login) holding its first refresh token; return its id."""
        family_id = str(uuid.uuid4())
        async with self._engine.begin() as connection:
            await connection.execute(
                insert(refresh_families).values(id=family_id, account_id=account_id, created_at=now)
            )
            await connection.execute(
                insert(refresh_tokens).values(
                    token_hash=token_hash,
                    family_id=family_id,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
        return family_id

    async def rotate(
        self, token_hash: str, new_hash: str, client: str, now: datetime, policy: RefreshPolicy
    ) -> Rotation:
        """Exchange a refresh token for a new one in the same family, exactly once.

        ``client`` is the digest of the client network (``client_digest``). The conditional
        UPDATEs on ``used_at IS NULL`` settle races between two exchanges of the same token:
        one wins, the other counts as reuse and revokes the family. On SQLite the loser may
        instead find the database locked by the winner; that is the same race, settled the
        same way, rather than an error.
        """
        try:
            async with self._engine.begin() as connection:
                return await _rotate(connection, token_hash, new_hash, client, now, policy)
        except OperationalError as exc:
            if not _sqlite_busy(exc):
                raise
        family_id, account_id = await self._owner(token_hash)
        if family_id is None:
            return Rotation(RotationOutcome.UNKNOWN)
        await self.revoke_family(family_id, "reuse", now)
        return Rotation(RotationOutcome.REUSED, family_id, account_id)

    async def _owner(self, token_hash: str) -> tuple[str | None, str | None]:
        statement = (
            select(refresh_families.c.id, refresh_families.c.account_id)
            .join(refresh_tokens, refresh_families.c.id == refresh_tokens.c.family_id)
            .where(refresh_tokens.c.token_hash == token_hash)
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(statement)).one_or_none()
        return (None, None) if row is None else (row.id, row.account_id)

    async def family_of(self, token_hash: str) -> str | None:
        statement = select(refresh_tokens.c.family_id).where(
            refresh_tokens.c.token_hash == token_hash
        )
        async with self._engine.connect() as connection:
            return (await connection.execute(statement)).scalar_one_or_none()

    async def revoke_family(self, family_id: str, reason: str, now: datetime) -> bool:
        """Revoke the family; False if there is no such family. Revoking twice is harmless."""
        async with self._engine.begin() as connection:
            found = (
                await connection.execute(
                    select(refresh_families.c.id).where(refresh_families.c.id == family_id)
                )
            ).scalar_one_or_none()
            if found is None:
                return False
            await _revoke(connection, family_id, reason, now)
        return True

    async def account_of_family(self, family_id: str) -> str | None:
        statement = select(refresh_families.c.account_id).where(refresh_families.c.id == family_id)
        async with self._engine.connect() as connection:
            return (await connection.execute(statement)).scalar_one_or_none()

    async def is_family_active(self, family_id: str) -> bool:
        statement = select(refresh_families.c.revoked_at).where(refresh_families.c.id == family_id)
        async with self._engine.connect() as connection:
            row = (await connection.execute(statement)).one_or_none()
        return row is not None and row.revoked_at is None

    async def purge_expired(self, now: datetime) -> int:
        """Delete expired refresh tokens, then families left without any; return tokens deleted.

        A used token is kept until it expires, so replaying it is still detected as reuse.
        """
        async with self._engine.begin() as connection:
            deleted = await connection.execute(
                delete(refresh_tokens).where(refresh_tokens.c.expires_at <= now)
            )
            await connection.execute(
                delete(refresh_families).where(
                    ~exists().where(refresh_tokens.c.family_id == refresh_families.c.id)
                )
            )
        return deleted.rowcount

    async def count_tokens(self) -> int:
        async with self._engine.connect() as connection:
            return (
                await connection.execute(select(func.count()).select_from(refresh_tokens))
            ).scalar_one()


async def _rotate(
    connection: AsyncConnection,
    token_hash: str,
    new_hash: str,
    client: str,
    now: datetime,
    policy: RefreshPolicy,
) -> Rotation:
    row = (
        await connection.execute(
            select(
                refresh_tokens.c.family_id,
                refresh_tokens.c.expires_at,
                refresh_tokens.c.used_at,
                refresh_tokens.c.used_by,
                refresh_tokens.c.replaced_by,
                refresh_families.c.account_id,
                refresh_families.c.created_at,
                refresh_families.c.revoked_at,
            )
            .join(refresh_families, refresh_families.c.id == refresh_tokens.c.family_id)
            .where(refresh_tokens.c.token_hash == token_hash)
        )
    ).one_or_none()
    if row is None:
        return Rotation(RotationOutcome.UNKNOWN)
    family_id, account_id = row.family_id, row.account_id
    started = aware(row.created_at)
    expires_at = policy.token_expiry(now, started)
    if row.revoked_at is not None:
        return Rotation(RotationOutcome.REVOKED, family_id, account_id)
    if row.used_at is not None:
        if (
            row.replaced_by is not None
            and policy.retry_allowed(now, aware(row.used_at), row.used_by, client)
            and not policy.session_over(now, started)
        ):
            # A retry after a lost response: supersede the pair that response carried
            # (its refresh token now counts as used, by nobody who may retry it), unless
            # it was used meanwhile, in which case the response was not lost after all.
            superseded = await connection.execute(
                update(refresh_tokens)
                .where(
                    refresh_tokens.c.token_hash == row.replaced_by,
                    refresh_tokens.c.used_at.is_(None),
                )
                .values(used_at=now)
            )
            if superseded.rowcount == 1:
                await _issue(connection, new_hash, family_id, now, expires_at)
                await connection.execute(
                    update(refresh_tokens)
                    .where(refresh_tokens.c.token_hash == token_hash)
                    .values(replaced_by=new_hash)
                )
                return Rotation(RotationOutcome.ROTATED, family_id, account_id, expires_at)
        await _revoke(connection, family_id, "reuse", now)
        return Rotation(RotationOutcome.REUSED, family_id, account_id)
    if aware(row.expires_at) <= now:
        return Rotation(RotationOutcome.EXPIRED, family_id, account_id)
    if policy.session_over(now, started):
        return Rotation(RotationOutcome.SESSION_ENDED, family_id, account_id)
    marked = await connection.execute(
        update(refresh_tokens)
        .where(refresh_tokens.c.token_hash == token_hash, refresh_tokens.c.used_at.is_(None))
        .values(used_at=now, used_by=client, replaced_by=new_hash)
    )
    if marked.rowcount != 1:
        await _revoke(connection, family_id, "reuse", now)
        return Rotation(RotationOutcome.REUSED, family_id, account_id)
    await _issue(connection, new_hash, family_id, now, expires_at)
    return Rotation(RotationOutcome.ROTATED, family_id, account_id, expires_at)


async def _issue(
    connection: AsyncConnection, token_hash: str, family_id: str, now: datetime, expires: datetime
) -> None:
    await connection.execute(
        insert(refresh_tokens).values(
            token_hash=token_hash, family_id=family_id, created_at=now, expires_at=expires
        )
    )


def _sqlite_busy(exc: OperationalError) -> bool:
    """SQLite's "database is locked": another transaction holds the write lock."""
    return "database is locked" in str(exc.orig)


async def _revoke(connection: AsyncConnection, family_id: str, reason: str, now: datetime) -> None:
    await connection.execute(
        update(refresh_families)
        .where(refresh_families.c.id == family_id, refresh_families.c.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


class SqlInviteStore:
    """Single-use invite codes with an expiry."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(
        self, code_hash: str, now: datetime, expires_at: datetime, note: str | None = None
    ) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                insert(invites).values(
                    code_hash=code_hash, created_at=now, expires_at=expires_at, note=note
                )
            )

    async def get(self, code_hash: str) -> Invite | None:
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(select(invites).where(invites.c.code_hash == code_hash))
            ).one_or_none()
        return None if row is None else _invite(row)

    async def all(self) -> list[Invite]:
        async with self._engine.connect() as connection:
            rows = (await connection.execute(select(invites).order_by(invites.c.created_at))).all()
        return [_invite(row) for row in rows]


def _invite(row: Any) -> Invite:
    return Invite(
        code_hash=row.code_hash,
        created_at=aware(row.created_at),
        expires_at=aware(row.expires_at),
        used_at=None if row.used_at is None else aware(row.used_at),
        used_by=row.used_by,
        note=row.note,
    )
