"""The pure account rules."""

from __future__ import annotations

import pytest
from mythos_auth.domain.accounts import (
    USERNAME_RULE,
    Account,
    AccountRuleViolation,
    canonical_username,
    check_new_account,
    is_valid_username,
    password_problem,
    username_problem,
)


@pytest.mark.parametrize("name", ["Abc", "armitage", "Wilbur_Whateley", "a1_", "A" + "b" * 19])
def test_valid_usernames(name: str) -> None:
    assert is_valid_username(name)
    assert username_problem(name) is None


@pytest.mark.parametrize(
    "name",
    [
        "",
        "ab",  # too short
        "A" + "b" * 20,  # 21 characters
        "1abc",  # must start with a letter
        "_abc",
        "ab cd",
        "abc-d",
        "abc\n",  # "$" would have let this through
        "Ärmitage",  # letters are ASCII only
        "abcé",
    ],
)
def test_invalid_usernames_give_the_readable_rule(name: str) -> None:
    assert not is_valid_username(name)
    assert username_problem(name) == USERNAME_RULE


def test_password_length_bounds() -> None:
    assert password_problem("x" * 8) is None
    assert password_problem("x" * 256) is None
    assert password_problem("x" * 7) == "password must be at least 8 characters"
    assert password_problem("x" * 257) == "password must be at most 256 characters"


def test_check_new_account_reports_the_username_first() -> None:
    with pytest.raises(AccountRuleViolation) as caught:
        check_new_account("1x", "short")
    assert caught.value.reason == USERNAME_RULE
    with pytest.raises(AccountRuleViolation, match="at least 8"):
        check_new_account("Armitage", "short")
    check_new_account("Armitage", "long enough")


def test_usernames_compare_case_insensitively() -> None:
    assert canonical_username("Armitage") == canonical_username("ARMITAGE") == "armitage"


def test_new_accounts_get_distinct_ids_and_aware_timestamps() -> None:
    first, second = Account.new("Armitage"), Account.new("Armitage")
    assert first.id != second.id
    assert first.created_at.tzinfo is not None
