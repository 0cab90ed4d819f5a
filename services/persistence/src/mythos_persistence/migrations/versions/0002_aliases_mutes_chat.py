"""Player aliases and mutes; the chat_lines table of the chat history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("players") as batch:
        batch.add_column(sa.Column("aliases", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("muted_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "chat_lines",
        sa.Column("line_id", sa.String(), primary_key=True),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("player_id", sa.String(), nullable=False),
        sa.Column("player_name", sa.String(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_chat_lines_scope_sent_at", "chat_lines", ["scope", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_chat_lines_scope_sent_at", table_name="chat_lines")
    op.drop_table("chat_lines")
    with op.batch_alter_table("players") as batch:
        batch.drop_column("muted_until")
        batch.drop_column("aliases")
