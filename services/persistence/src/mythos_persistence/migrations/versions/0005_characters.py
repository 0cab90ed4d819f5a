"""Characters: the characters table, players.active_character_id, one character per player.

Every existing player gets one character with the player's id and name, the standard
investigator (every characteristic 50, a drifter: DP 20, MP 10, lucidity 100), standing
where the player stood; it becomes the account's active character.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Frozen here: the migration must keep meaning what it meant when written.
_STANDARD = {key: 50 for key in ("str", "con", "siz", "dex", "cha", "int", "pow", "edu", "luck")}
_STANDARD_STATE = {"dp": 20, "mp": 10, "lucidity": 100, "xp": 0}


def upgrade() -> None:
    characters = op.create_table(
        "characters",
        sa.Column("character_id", sa.String(), primary_key=True),
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("profession", sa.String(), nullable=False),
        sa.Column("characteristics", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("room_id", sa.String(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_characters_account_id", "characters", ["account_id"])
    with op.batch_alter_table("players") as batch:
        batch.add_column(sa.Column("active_character_id", sa.String(), nullable=True))

    players = sa.table(
        "players",
        sa.column("player_id", sa.String()),
        sa.column("name", sa.String()),
        sa.column("room_id", sa.String()),
        sa.column("active_character_id", sa.String()),
    )
    connection = op.get_bind()
    now = datetime.now(UTC)
    taken: set[str] = set()
    rows = []
    for player_id, name, room_id in connection.execute(
        sa.select(players.c.player_id, players.c.name, players.c.room_id).order_by(
            players.c.player_id
        )
    ):
        # Names are unique case-insensitively among characters (the index below).
        unique, n = name, 0
        while unique.lower() in taken:
            n += 1
            unique = f"{name}{n}"
        taken.add(unique.lower())
        rows.append(
            {
                "character_id": player_id,
                "account_id": player_id,
                "name": unique,
                "profession": "drifter",
                "characteristics": dict(_STANDARD),
                "state": dict(_STANDARD_STATE),
                "room_id": room_id,
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "deleted_at": None,
            }
        )
    if rows:
        op.bulk_insert(characters, rows)
        connection.execute(players.update().values(active_character_id=players.c.player_id))
    op.create_index(
        "ux_characters_active_name",
        "characters",
        [sa.text("lower(name)")],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
        sqlite_where=sa.text("deleted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ux_characters_active_name", table_name="characters")
    with op.batch_alter_table("players") as batch:
        batch.drop_column("active_character_id")
    op.drop_index("ix_characters_account_id", table_name="characters")
    op.drop_table("characters")
