"""The auth database schema as SQLAlchemy Core metadata.

The migrations under ``mythos_auth/migrations`` create this schema; a test compares the two
so they cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(36), primary_key=True),
    # Kept exactly as the player typed it, for display.
    Column("username", String(20), nullable=False),
    # Lower-cased copy carrying the unique index: portable case-insensitive uniqueness on
    # both PostgreSQL and SQLite without citext or collations.
    Column("username_lower", String(20), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # "player" or "admin" (mythos_auth.domain.accounts.Role); the access tokens' role claim.
    Column("role", String(16), nullable=False, server_default="player"),
    # A disabled account cannot log in or refresh until enabled again.
    Column("disabled", Boolean, nullable=False, server_default=false()),
    # Banned while this is in the future (``PERMANENT_BAN``: until lifted).
    Column("banned_until", DateTime(timezone=True), nullable=True),
    UniqueConstraint("username_lower", name="uq_accounts_username_lower"),
)

# One family per login: every refresh token rotated from that login belongs to it, so a
# replayed (already used) token can revoke the thief's and the owner's tokens together.
refresh_families = Table(
    "refresh_families",
    metadata,
    Column("id", String(36), primary_key=True),
    Column(
        "account_id",
        String(36),
        ForeignKey("accounts.id", ondelete="CASCADE", name="fk_refresh_families_account"),
        nullable=False,
    ),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    # "logout", "reuse", or the account change that ended it ("role", "banned", "disabled").
    Column("revoked_reason", String(16), nullable=True),
    Index("ix_refresh_families_account_id", "account_id"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    # SHA-256 (hex) of the token; the token itself is never stored.
    Column("token_hash", String(64), primary_key=True),
    Column(
        "family_id",
        String(36),
        ForeignKey("refresh_families.id", ondelete="CASCADE", name="fk_refresh_tokens_family"),
        nullable=False,
    ),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    # Set when the token is exchanged; a second exchange is reuse (but see retry_grace).
    Column("used_at", DateTime(timezone=True), nullable=True),
    # SHA-256 of the client network that exchanged it, and of the token it got in return:
    # the same network presenting it again within the grace is retrying a lost response.
    Column("used_by", String(64), nullable=True),
    Column("replaced_by", String(64), nullable=True),
    Index("ix_refresh_tokens_family_id", "family_id"),
    Index("ix_refresh_tokens_expires_at", "expires_at"),
)

invites = Table(
    "invites",
    metadata,
    # SHA-256 (hex) of the code; the code is shown once, by the CLI that creates it.
    Column("code_hash", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Column(
        "used_by",
        String(36),
        ForeignKey("accounts.id", ondelete="SET NULL", name="fk_invites_used_by"),
        nullable=True,
    ),
    Column("note", String(200), nullable=True),
)

# The outbox of revocations (``mythos_contracts.accounts.AccountRevoked`` as JSON): written
# in the same transaction as the change that causes it, deleted once published on the bus,
# so a revocation survives a broker outage and an auth restart.
revocations = Table(
    "revocations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("account_id", String(36), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("body", Text, nullable=False),
    Index("ix_revocations_created_at", "created_at"),
)
