"""chat_lines.distortion: what the speaker's troubled mind did to a kept line.

NULL for the lines kept before it existed (read as none, as ``players.aliases``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat_lines") as batch:
        batch.add_column(sa.Column("distortion", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_lines") as batch:
        batch.drop_column("distortion")
