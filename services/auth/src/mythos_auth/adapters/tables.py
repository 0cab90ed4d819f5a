"""The auth database schema as SQLAlchemy Core metadata.

The migrations under ``mythos_auth/migrations`` create this schema; a test compares the two
so they cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, UniqueConstraint

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
    UniqueConstraint("username_lower", name="uq_accounts_username_lower"),
)
