"""Account changes other services must act on, and requests to the auth service.

``AccountRevoked`` (auth -> every edge and the game, on ``revocation_key``): logins of an
account have ended (logout, a reused refresh token, a demotion, a ban, a disabled
account, a password change). Edges close the matching sockets with
``CLOSE_REVOKED`` and refuse those logins' tokens from then on; the game takes the
player out of the world at once (no link-dead grace).

``BanRequest`` (game -> auth, on ``account_request_key("ban")``): an admin banned a
player in game; only auth owns accounts, so auth applies it and publishes the
revocation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mythos_contracts.close_codes import CloseCode
from mythos_contracts.envelope import utc_now

RevocationReason = Literal["logout", "reused", "demoted", "banned", "disabled", "password_changed"]

CLOSE_REVOKED = CloseCode.REVOKED
"""Close code of a socket whose login was revoked (docs/protocol.md): the client must
not reconnect by itself with the token it holds."""

REVOCATION_REASONS: dict[RevocationReason, str] = {
    "logout": "signed out: this login was ended",
    "reused": "signed out: this login was ended because its refresh token was used twice",
    "demoted": "signed out: your account's role changed; log in again",
    "banned": "signed out: your account is banned",
    "disabled": "signed out: your account is disabled",
    "password_changed": "signed out: your password was changed; log in again",
}
"""The close reason a client reads for each revocation (at most 123 bytes each)."""

# A bound on one message; an account has far fewer live logins than this.
MAX_SESSION_IDS = 1000


class AccountRevoked(BaseModel):
    """Logins of one account have ended; their access tokens must stop working now."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["account_revoked"] = "account_revoked"
    account_id: str
    reason: RevocationReason
    session_ids: list[str] = Field(
        default_factory=list,
        max_length=MAX_SESSION_IDS,
        description="the logins (the tokens' sid) that ended",
    )
    whole_account: bool = Field(
        description="True: every socket of the account closes, whatever its login "
        "(ban, demotion...); False: only those of ``session_ids`` (one logout)"
    )
    revoked_at: datetime = Field(default_factory=utc_now)

    def ends(self, account_id: str, session_id: str | None) -> bool:
        """True when a connection of ``account_id`` on login ``session_id`` must close."""
        if account_id != self.account_id:
            return False
        return self.whole_account or (session_id is not None and session_id in self.session_ids)

    @property
    def close_reason(self) -> str:
        return REVOCATION_REASONS[self.reason]


class BanRequest(BaseModel):
    """An admin's in-game ``ban``: auth bans the account and publishes its revocation."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["ban"] = "ban"
    account_id: str = Field(description="the player's id, which is their account id")
    until: datetime | None = Field(description="when the ban ends (UTC); None: until lifted")
    requested_by: str = Field(description="the admin's account id, for the audit log")
    reason: str = Field(default="", max_length=200)
    requested_at: datetime = Field(default_factory=utc_now)
