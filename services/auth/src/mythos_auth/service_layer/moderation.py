"""Bans asked for in game: only auth owns accounts, so the game sends a ``BanRequest``."""

from __future__ import annotations

from datetime import datetime

from mythos_contracts.accounts import BanRequest

from mythos_auth.adapters.account_store import AccountChange, SqlAccountStore
from mythos_auth.domain.accounts import PERMANENT_BAN


async def apply_ban(
    store: SqlAccountStore, request: BanRequest, now: datetime
) -> AccountChange | None:
    """Ban the account until ``request.until`` (or until lifted), end its logins and queue
    their revocation, all in one transaction; None when no account has that id."""
    return await store.change(
        account_id=request.account_id,
        values={"banned_until": request.until or PERMANENT_BAN},
        revoke="banned",
        now=now,
    )
