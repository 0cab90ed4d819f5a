"""Register and authenticate: the two account use cases."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from mythos_auth.domain.accounts import (
    Account,
    InvalidCredentials,
    UsernameTaken,
    check_new_account,
    is_valid_username,
)
from mythos_auth.domain.sessions import (
    INVITE_EXPIRED,
    INVITE_REQUIRED,
    INVITE_UNKNOWN,
    INVITE_USED,
    InviteRejected,
    hash_secret,
)
from mythos_auth.service_layer.ports import AccountStore, InviteLookup, PasswordHasher

log = logging.getLogger(__name__)


async def register(
    store: AccountStore,
    hasher: PasswordHasher,
    username: str,
    password: str,
    *,
    invites: InviteLookup | None = None,
    invite_code: str | None = None,
    now: datetime | None = None,
) -> Account:
    """Create an account. Raises ``AccountRuleViolation``, ``InviteRejected`` or ``UsernameTaken``.

    With ``invites`` (invites required) the code must exist, be unexpired and unused; it is
    claimed in the same transaction that creates the account. Without, any code is ignored.
    The invite is checked before the username, so people without one learn nothing about
    which names exist.
    """
    check_new_account(username, password)
    moment = now or datetime.now(UTC)
    invite_hash = None
    if invites is not None:
        if not invite_code:
            raise InviteRejected(INVITE_REQUIRED)
        invite_hash = hash_secret(invite_code)
        invite = await invites.get(invite_hash)
        if invite is None:
            raise InviteRejected(INVITE_UNKNOWN)
        if invite.used_at is not None:
            raise InviteRejected(INVITE_USED)
        if invite.expires_at <= moment:
            raise InviteRejected(INVITE_EXPIRED)
    # Cheap early answer that saves an argon2 hash; the unique index still settles races.
    if await store.get_by_username(username) is not None:
        raise UsernameTaken(username)
    password_hash = await hasher.hash(password)
    account = Account.new(username, moment)
    await store.add(account, password_hash, invite_hash=invite_hash, now=moment)
    log.info("registered account %s (%s)", account.id, account.username)
    return account


async def authenticate(
    store: AccountStore, hasher: PasswordHasher, username: str, password: str
) -> Account:
    """Return the account for these credentials or raise ``InvalidCredentials``.

    Every failing path costs one argon2 verification, so response time does not reveal
    whether the username exists.
    """
    stored = None
    # Names that could never have been registered skip the database but not the hashing.
    if is_valid_username(username):
        stored = await store.get_by_username(username)
    if stored is None:
        await hasher.verify_dummy(password)
        raise InvalidCredentials
    if not await hasher.verify(stored.password_hash, password):
        raise InvalidCredentials
    if hasher.needs_rehash(stored.password_hash):
        # Parameters were raised since this hash was made; upgrade it while we know the password.
        await store.update_password_hash(stored.account.id, await hasher.hash(password))
    return stored.account
