"""The account messages and their routing keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from mythos_contracts.accounts import (
    REVOCATION_REASONS,
    AccountRevoked,
    BanRequest,
)
from mythos_contracts.routing import (
    ACCOUNT_REQUESTS_PATTERN,
    ACCOUNTS_EXCHANGE,
    AUTH_REQUESTS_QUEUE,
    DEFAULT_SHARD_INBOX,
    DURABLE_TOPOLOGY,
    REVOCATIONS_PATTERN,
    TOPIC_EXCHANGES,
    account_request_key,
    is_revocation_key,
    revocation_key,
)


def test_a_logout_ends_only_its_own_login() -> None:
    revoked = AccountRevoked(
        account_id="a1", reason="logout", session_ids=["s1"], whole_account=False
    )
    assert revoked.ends("a1", "s1")
    assert not revoked.ends("a1", "s2")
    assert not revoked.ends("a1", None)
    assert not revoked.ends("a2", "s1")


def test_a_ban_ends_every_login_of_the_account() -> None:
    revoked = AccountRevoked(account_id="a1", reason="banned", whole_account=True)
    assert revoked.ends("a1", "anything") and revoked.ends("a1", None)
    assert not revoked.ends("a2", "anything")
    assert revoked.close_reason == "signed out: your account is banned"


def test_close_reasons_fit_a_close_frame() -> None:
    assert all(len(text.encode()) <= 123 for text in REVOCATION_REASONS.values())


def test_messages_round_trip_as_json() -> None:
    revoked = AccountRevoked(
        account_id="a1", reason="demoted", session_ids=["s1", "s2"], whole_account=True
    )
    assert AccountRevoked.model_validate_json(revoked.model_dump_json()) == revoked
    ban = BanRequest(account_id="a1", until=datetime(2030, 1, 1, tzinfo=UTC), requested_by="admin1")
    assert BanRequest.model_validate_json(ban.model_dump_json()) == ban


def test_keys_are_built_from_checked_words() -> None:
    assert revocation_key("a1") == "revoked.a1" and is_revocation_key("revoked.a1")
    assert not is_revocation_key("room.r1.say")
    assert account_request_key("ban") == "account_request.ban"
    with pytest.raises(ValueError):
        revocation_key("a.#")


def test_revocations_and_requests_have_durable_queues() -> None:
    assert ACCOUNTS_EXCHANGE in TOPIC_EXCHANGES
    assert (DEFAULT_SHARD_INBOX, ACCOUNTS_EXCHANGE, REVOCATIONS_PATTERN) in DURABLE_TOPOLOGY
    assert (AUTH_REQUESTS_QUEUE, ACCOUNTS_EXCHANGE, ACCOUNT_REQUESTS_PATTERN) in DURABLE_TOPOLOGY
