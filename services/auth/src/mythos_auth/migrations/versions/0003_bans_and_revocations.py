"""Account bans and disabling, and the outbox of revocations to publish.

Revision ID: 0003_bans_and_revocations
Revises: 0002_roles_sessions_invites
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_bans_and_revocations"
down_revision: str | None = "0002_roles_sessions_invites"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Constant server defaults let SQLite add the columns in place; nobody starts banned.
    op.add_column(
        "accounts",
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("accounts", sa.Column("banned_until", sa.DateTime(timezone=True)))
    op.create_table(
        "revocations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_revocations_created_at", "revocations", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_revocations_created_at", "revocations")
    op.drop_table("revocations")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("banned_until")
        batch.drop_column("disabled")
