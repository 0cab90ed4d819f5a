"""SQLAlchemy implementation of the ``AccountStore`` port."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mythos_contracts.accounts import MAX_SESSION_IDS, AccountRevoked, RevocationReason
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from mythos_auth.adapters.revocation_outbox import add_revocation
from mythos_auth.adapters.tables import accounts, invites, refresh_families
from mythos_auth.domain.accounts import Account, Role, UsernameTaken, canonical_username
from mythos_auth.domain.sessions import InviteRejected
from mythos_auth.service_layer.ports import StoredAccount

_COLUMNS = (
    accounts.c.id,
    accounts.c.username,
    accounts.c.password_hash,
    accounts.c.created_at,
    accounts.c.role,
    accounts.c.disabled,
    accounts.c.banned_until,
)


@dataclass(frozen=True)
class AccountChange:
    account: Account
    ended_logins: int
    """Logins (refresh-token families) the change revoked."""


def aware(moment: datetime) -> datetime:
    """SQLite drops the offset; everything is written in UTC, so put it back."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _stored(row: Any) -> StoredAccount:
    return StoredAccount(
        account=Account(
            id=row.id,
            username=row.username,
            created_at=aware(row.created_at),
            role=Role(row.role),
            disabled=bool(row.disabled),
            banned_until=None if row.banned_until is None else aware(row.banned_until),
        ),
        password_hash=row.password_hash,
    )


# refresh_families.revoked_reason (16 characters) of each revocation.
_FAMILY_REASONS: dict[RevocationReason, str] = {
    "logout": "logout",
    "reused": "reuse",
    "demoted": "role",
    "banned": "banned",
    "disabled": "disabled",
    "password_changed": "password",
}


class SqlAccountStore:
    """Accounts in the auth service's own database; the only reader of password hashes."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(
        self,
        account: Account,
        password_hash: str,
        *,
        invite_hash: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Insert the account; with ``invite_hash``, claim that invite in the same transaction.

        Raises ``UsernameTaken``, or ``InviteRejected`` when another registration claimed the
        invite first (or it expired meanwhile): nothing is written then.
        """
        statement = insert(accounts).values(
            id=account.id,
            username=account.username,
            username_lower=canonical_username(account.username),
            password_hash=password_hash,
            created_at=account.created_at,
            role=account.role.value,
        )
        moment = now or datetime.now(UTC)
        try:
            async with self._engine.begin() as connection:
                await connection.execute(statement)
                if invite_hash is not None:
                    claimed = await connection.execute(
                        update(invites)
                        .where(
                            invites.c.code_hash == invite_hash,
                            invites.c.used_at.is_(None),
                            invites.c.expires_at > moment,
                        )
                        .values(used_at=moment, used_by=account.id)
                    )
                    if claimed.rowcount != 1:
                        # Raising inside begin() rolls the account back as well.
                        raise InviteRejected("invite code has already been used")
        except IntegrityError as exc:
            # The id is a fresh uuid4, so the only constraint a new row can break is the
            # case-insensitive username index.
            raise UsernameTaken(account.username) from exc

    async def get_by_username(self, username: str) -> StoredAccount | None:
        statement = select(*_COLUMNS).where(
            accounts.c.username_lower == canonical_username(username)
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(statement)).one_or_none()
        return None if row is None else _stored(row)

    async def get_by_id(self, account_id: str) -> Account | None:
        statement = select(*_COLUMNS).where(accounts.c.id == account_id)
        async with self._engine.connect() as connection:
            row = (await connection.execute(statement)).one_or_none()
        return None if row is None else _stored(row).account

    async def update_password_hash(self, account_id: str, password_hash: str) -> None:
        statement = (
            update(accounts).where(accounts.c.id == account_id).values(password_hash=password_hash)
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def change(
        self,
        *,
        values: Mapping[str, Any],
        now: datetime,
        revoke: RevocationReason | None = None,
        username: str | None = None,
        account_id: str | None = None,
    ) -> AccountChange | None:
        """Set ``values`` (columns of ``accounts``) on the account named by ``username`` or
        ``account_id``; None when there is none. With ``revoke``, end every live login of
        the account and queue its ``AccountRevoked`` in the same transaction, so the change
        and the revocation are committed together or not at all."""
        where = (
            accounts.c.username_lower == canonical_username(username)
            if username is not None
            else accounts.c.id == account_id
        )
        async with self._engine.begin() as connection:
            found = (await connection.execute(select(accounts.c.id).where(where))).one_or_none()
            if found is None:
                return None
            await connection.execute(update(accounts).where(where).values(**values))
            ended: list[str] = []
            if revoke is not None:
                live = (refresh_families.c.account_id == found.id) & (
                    refresh_families.c.revoked_at.is_(None)
                )
                newest_first = (
                    select(refresh_families.c.id)
                    .where(live)
                    .order_by(refresh_families.c.created_at.desc())
                )
                ended = list((await connection.execute(newest_first)).scalars().all())
                await connection.execute(
                    update(refresh_families)
                    .where(live)
                    .values(revoked_at=now, revoked_reason=_FAMILY_REASONS[revoke])
                )
                await add_revocation(
                    connection,
                    AccountRevoked(
                        account_id=found.id,
                        reason=revoke,
                        # Every socket of the account closes whatever its login; the ids
                        # only let edges refuse those logins' tokens, so one message names
                        # at most MAX_SESSION_IDS of them, the newest.
                        session_ids=ended[:MAX_SESSION_IDS],
                        whole_account=True,
                        revoked_at=now,
                    ),
                )
            row = (await connection.execute(select(*_COLUMNS).where(where))).one()
        return AccountChange(_stored(row).account, len(ended))

    async def ping(self) -> None:
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
