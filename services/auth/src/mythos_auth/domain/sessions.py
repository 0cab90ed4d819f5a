"""Refresh tokens, sessions and invite codes: opaque secrets that are stored only hashed."""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass

# 32 random bytes: far beyond guessing, which is why a fast unsalted hash is enough to store.
SECRET_BYTES = 32
INVITE_BYTES = 16


def new_refresh_token() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def new_invite_code() -> str:
    return secrets.token_urlsafe(INVITE_BYTES)


def hash_secret(secret: str) -> str:
    """SHA-256, hex. Only this digest is stored; the secret is shown once and never kept.

    Refresh tokens and invite codes are high-entropy random strings, not passwords, so a
    slow salted hash would add cost without adding safety.
    """
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class InvalidRefreshToken(Exception):
    """The refresh token is unknown, expired or revoked; ``reason`` is safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RefreshTokenReused(InvalidRefreshToken):
    """An already-used refresh token came back: its whole family has been revoked."""

    def __init__(self, account_id: str | None = None) -> None:
        super().__init__(
            "refresh token was already used; this login has been revoked everywhere, log in again"
        )
        # Whose login was revoked, for the log; never shown to the caller.
        self.account_id = account_id


class InvalidAccessToken(Exception):
    """The bearer token is missing, malformed, forged, expired or its session has ended."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InviteRejected(Exception):
    """Registration needs an invite code and the one given (if any) cannot be used."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


INVITE_REQUIRED = "an invite code is required to register"
INVITE_UNKNOWN = "invite code is not valid"
INVITE_EXPIRED = "invite code has expired"
INVITE_USED = "invite code has already been used"


class RotationOutcome(enum.Enum):
    ROTATED = "rotated"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"
    # An already-used token came back; the family has now been revoked.
    REUSED = "reused"


@dataclass(frozen=True)
class Rotation:
    outcome: RotationOutcome
    family_id: str | None = None
    account_id: str | None = None
