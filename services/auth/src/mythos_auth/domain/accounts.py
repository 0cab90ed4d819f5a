"""What a valid account looks like, and the errors the account use cases can raise."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

# A letter first keeps names readable in game text and unambiguous in commands.
USERNAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,19}")
USERNAME_RULE = "username must start with a letter and be 3-20 letters, digits or underscores"
PASSWORD_MIN_LENGTH = 8
# An upper bound stops absurd inputs from costing hashing time and memory.
PASSWORD_MAX_LENGTH = 256


class Role(StrEnum):
    """What an account may do; carried as the ``role`` claim of its access tokens."""

    PLAYER = "player"
    ADMIN = "admin"


class AccountRuleViolation(ValueError):
    """A proposed username or password breaks a rule; ``reason`` is safe to show to the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UsernameTaken(Exception):
    """Another account already has this username, compared case-insensitively."""


class InvalidCredentials(Exception):
    """Login failed. Deliberately does not say whether the username or the password was wrong."""


class UnknownAccount(Exception):
    """No account has this id or username."""


class AccountBarred(Exception):
    """The account is banned or disabled; ``reason`` is safe to show to its owner."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# A ban "until lifted" is stored as a ban until this moment.
PERMANENT_BAN = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    created_at: datetime
    role: Role = Role.PLAYER
    disabled: bool = False
    banned_until: datetime | None = None

    def barred(self, now: datetime) -> str | None:
        """Why this account may not log in or refresh at ``now``; None when it may."""
        if self.disabled:
            return "this account is disabled"
        if self.banned_until is None or self.banned_until <= now:
            return None
        if self.banned_until >= PERMANENT_BAN:
            return "this account is banned"
        return f"this account is banned until {format_moment(self.banned_until)}"

    def check_not_barred(self, now: datetime) -> None:
        """Raise ``AccountBarred`` when the account may not log in or refresh at ``now``."""
        reason = self.barred(now)
        if reason is not None:
            raise AccountBarred(reason)

    @classmethod
    def new(cls, username: str, now: datetime | None = None) -> Account:
        return cls(id=str(uuid.uuid4()), username=username, created_at=now or datetime.now(UTC))


def format_moment(moment: datetime) -> str:
    """``2026-12-03T09:00:00Z``: UTC, to the second, as people and JSON read it."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def canonical_username(username: str) -> str:
    """The form used for uniqueness and lookup, so "Alice" and "alice" are the same account."""
    return username.lower()


def is_valid_username(username: str) -> bool:
    # fullmatch, not match + "$": "$" would also accept a trailing newline.
    return USERNAME_PATTERN.fullmatch(username) is not None


def username_problem(username: str) -> str | None:
    return None if is_valid_username(username) else USERNAME_RULE


def password_problem(password: str) -> str | None:
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate ("\ud800" in JSON) cannot be hashed as UTF-8.
        return "password must be valid Unicode text"
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"password must be at least {PASSWORD_MIN_LENGTH} characters"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"password must be at most {PASSWORD_MAX_LENGTH} characters"
    return None


def check_new_account(username: str, password: str) -> None:
    """Raise ``AccountRuleViolation`` with the first readable reason, username first."""
    problem = username_problem(username) or password_problem(password)
    if problem is not None:
        raise AccountRuleViolation(problem)
