"""The items table: one row per item in the world, with where it is and a version.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("item_id", sa.String(), primary_key=True),
        sa.Column("prototype_id", sa.String(), nullable=False),
        sa.Column("location_kind", sa.String(), nullable=False),
        sa.Column("location_id", sa.String(), nullable=True),
        sa.Column("slot", sa.String(), nullable=True),
        sa.Column("origin", sa.String(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_items_location", "items", ["location_kind", "location_id"])


def downgrade() -> None:
    op.drop_index("ix_items_location", table_name="items")
    op.drop_table("items")
