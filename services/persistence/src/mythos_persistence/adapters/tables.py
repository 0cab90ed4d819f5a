"""The schema, as SQLAlchemy Core metadata (migrations are the source of truth for DDL)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

players = sa.Table(
    "players",
    metadata,
    # Unbounded strings: ids and names are validated upstream (routing keys, auth);
    # a length limit here would only turn a good save into a dead letter.
    sa.Column("player_id", sa.String(), primary_key=True),
    sa.Column("name", sa.String(), nullable=False),
    sa.Column("room_id", sa.String(), nullable=True),
    sa.Column("version", sa.BigInteger(), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
