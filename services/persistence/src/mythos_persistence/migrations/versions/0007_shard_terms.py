"""The shard_terms table: each shard's term, raised by every game that takes it over.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shard_terms",
        sa.Column("shard", sa.String(), primary_key=True),
        sa.Column("term", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("shard_terms")
