"""The register and authenticate use cases, against in-memory fakes of the ports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from mythos_auth.domain.accounts import (
    Account,
    AccountRuleViolation,
    InvalidCredentials,
    UsernameTaken,
    canonical_username,
)
from mythos_auth.domain.sessions import (
    INVITE_EXPIRED,
    INVITE_REQUIRED,
    INVITE_UNKNOWN,
    INVITE_USED,
    InviteRejected,
    hash_secret,
)
from mythos_auth.service_layer import accounts
from mythos_auth.service_layer.ports import StoredAccount


class FakeStore:
    def __init__(self) -> None:
        self.rows: dict[str, StoredAccount] = {}
        self.claimed: list[str | None] = []

    async def add(
        self,
        account: Account,
        password_hash: str,
        *,
        invite_hash: str | None = None,
        now: datetime | None = None,
    ) -> None:
        key = canonical_username(account.username)
        if key in self.rows:
            raise UsernameTaken(account.username)
        self.rows[key] = StoredAccount(account, password_hash)
        self.claimed.append(invite_hash)

    async def get_by_username(self, username: str) -> StoredAccount | None:
        return self.rows.get(canonical_username(username))

    async def get_by_id(self, account_id: str) -> Account | None:
        return next((s.account for s in self.rows.values() if s.account.id == account_id), None)

    async def update_password_hash(self, account_id: str, password_hash: str) -> None:
        for key, stored in self.rows.items():
            if stored.account.id == account_id:
                self.rows[key] = StoredAccount(stored.account, password_hash)

    async def ping(self) -> None:
        return None


class FakeHasher:
    """Reversible "hashing", recording calls so tests can see the timing-equaliser run."""

    def __init__(self, outdated: bool = False) -> None:
        self.outdated = outdated
        self.dummy_verifications = 0
        self.verifications = 0

    async def hash(self, password: str) -> str:
        return ("old:" if self.outdated else "new:") + password

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verifications += 1
        return password_hash.split(":", 1)[1] == password

    async def verify_dummy(self, password: str) -> None:
        self.dummy_verifications += 1

    def needs_rehash(self, password_hash: str) -> bool:
        return password_hash.startswith("old:")


async def test_register_then_authenticate_case_insensitively() -> None:
    store, hasher = FakeStore(), FakeHasher()
    account = await accounts.register(store, hasher, "Armitage", "miskatonic")
    assert account.username == "Armitage"
    assert await accounts.authenticate(store, hasher, "ARMITAGE", "miskatonic") == account


async def test_register_rejects_rule_breakers_and_taken_names() -> None:
    store, hasher = FakeStore(), FakeHasher()
    with pytest.raises(AccountRuleViolation):
        await accounts.register(store, hasher, "x", "miskatonic")
    await accounts.register(store, hasher, "Armitage", "miskatonic")
    with pytest.raises(UsernameTaken):
        await accounts.register(store, hasher, "armitage", "different1")


@pytest.mark.parametrize("username", ["Nobody", "!!not a name!!"])
async def test_unknown_usernames_still_spend_a_verification(username: str) -> None:
    store, hasher = FakeStore(), FakeHasher()
    with pytest.raises(InvalidCredentials):
        await accounts.authenticate(store, hasher, username, "miskatonic")
    assert hasher.dummy_verifications == 1


async def test_wrong_password_is_invalid_credentials() -> None:
    store, hasher = FakeStore(), FakeHasher()
    await accounts.register(store, hasher, "Armitage", "miskatonic")
    with pytest.raises(InvalidCredentials):
        await accounts.authenticate(store, hasher, "Armitage", "wrong password")
    assert hasher.verifications == 1 and hasher.dummy_verifications == 0


async def test_outdated_hashes_are_upgraded_on_login() -> None:
    store = FakeStore()
    await accounts.register(store, FakeHasher(outdated=True), "Armitage", "miskatonic")
    await accounts.authenticate(store, FakeHasher(), "Armitage", "miskatonic")
    stored = await store.get_by_username("armitage")
    assert stored is not None and stored.password_hash == "new:miskatonic"


@dataclass
class FakeInvite:
    expires_at: datetime
    used_at: datetime | None = None


class FakeInvites:
    def __init__(self, **by_code: FakeInvite) -> None:
        self.rows = {hash_secret(code): invite for code, invite in by_code.items()}

    async def get(self, code_hash: str) -> FakeInvite | None:
        return self.rows.get(code_hash)


NOW = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (None, INVITE_REQUIRED),
        ("", INVITE_REQUIRED),
        ("made-up", INVITE_UNKNOWN),
        ("old", INVITE_EXPIRED),
        ("spent", INVITE_USED),
    ],
)
async def test_registration_needs_a_usable_invite_when_invites_are_on(
    code: str | None, reason: str
) -> None:
    store, hasher = FakeStore(), FakeHasher()
    invites = FakeInvites(
        old=FakeInvite(expires_at=NOW),  # expiry is exclusive
        spent=FakeInvite(expires_at=NOW + timedelta(days=1), used_at=NOW),
    )
    with pytest.raises(InviteRejected) as caught:
        await accounts.register(
            store, hasher, "Armitage", "miskatonic", invites=invites, invite_code=code, now=NOW
        )
    assert caught.value.reason == reason
    assert store.rows == {}


async def test_a_good_invite_is_claimed_with_the_account() -> None:
    store, hasher = FakeStore(), FakeHasher()
    invites = FakeInvites(good=FakeInvite(expires_at=NOW + timedelta(seconds=1)))
    await accounts.register(
        store, hasher, "Armitage", "miskatonic", invites=invites, invite_code="good", now=NOW
    )
    assert store.claimed == [hash_secret("good")]


async def test_the_invite_is_checked_before_the_username() -> None:
    """People without an invite cannot probe which usernames exist."""
    store, hasher = FakeStore(), FakeHasher()
    await accounts.register(store, hasher, "Armitage", "miskatonic")
    with pytest.raises(InviteRejected):
        await accounts.register(store, hasher, "Armitage", "miskatonic", invites=FakeInvites())


async def test_without_invites_required_a_code_is_ignored() -> None:
    store, hasher = FakeStore(), FakeHasher()
    await accounts.register(store, hasher, "Armitage", "miskatonic", invite_code="whatever")
    assert store.claimed == [None]
