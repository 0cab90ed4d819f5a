"""Refresh tokens, sessions and invite codes: opaque secrets that are stored only hashed."""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

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
    # The login is older than the session's maximum age, however fresh the token.
    SESSION_ENDED = "session_ended"
    REVOKED = "revoked"
    # An already-used token came back; the family has now been revoked.
    REUSED = "reused"


@dataclass(frozen=True)
class Rotation:
    outcome: RotationOutcome
    family_id: str | None = None
    account_id: str | None = None
    # When the new refresh token expires (ROTATED only).
    expires_at: datetime | None = None


@dataclass(frozen=True)
class RefreshPolicy:
    """How long refresh tokens and logins live, and the grace for a lost response.

    ``token_ttl``: each refresh token, from its issue. ``session_max_age``: a login (token
    family) ends this long after it began, however often it is refreshed. ``retry_grace``:
    a used token presented again this soon by the client network that used it is taken
    for a retry after a lost response, not for theft (see ``retry_allowed``).
    """

    token_ttl: timedelta
    session_max_age: timedelta
    retry_grace: timedelta

    def token_expiry(self, now: datetime, session_started: datetime) -> datetime:
        return min(now + self.token_ttl, session_started + self.session_max_age)

    def session_over(self, now: datetime, session_started: datetime) -> bool:
        return now >= session_started + self.session_max_age

    def retry_allowed(
        self, now: datetime, used_at: datetime, used_by: str | None, client: str
    ) -> bool:
        """A retry: the same client network, within the grace. The pair the lost response
        carried is then superseded, so only one pair of the family stays usable."""
        return used_by is not None and used_by == client and now - used_at <= self.retry_grace


def client_digest(client: str) -> str:
    """What is stored of the client network that used a refresh token: its SHA-256."""
    return hash_secret(client)
