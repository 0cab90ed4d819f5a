"""Who exchanged a refresh token and for which: the grace for a lost refresh response.

Revision ID: 0004_refresh_retry_grace
Revises: 0003_bans_and_revocations
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_refresh_retry_grace"
down_revision: str | None = "0003_bans_and_revocations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: tokens exchanged before this revision simply get no grace.
    op.add_column("refresh_tokens", sa.Column("used_by", sa.String(64), nullable=True))
    op.add_column("refresh_tokens", sa.Column("replaced_by", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_column("replaced_by")
        batch.drop_column("used_by")
