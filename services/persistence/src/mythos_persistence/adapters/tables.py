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
    # name -> expansion; NULL for a player saved before aliases existed (read as none).
    sa.Column("aliases", sa.JSON(), nullable=True),
    sa.Column("muted_until", sa.DateTime(timezone=True), nullable=True),
    # The character the account last played; NULL before its first.
    sa.Column("active_character_id", sa.String(), nullable=True),
)

# An account's characters. ``characteristics`` and ``state`` are the contract's models as
# JSON (stored whole, never queried into); a deleted character keeps its row (soft delete,
# ``deleted_at``), and active names are unique case-insensitively (a partial index).
characters = sa.Table(
    "characters",
    metadata,
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
    sa.Index("ix_characters_account_id", "account_id"),
)

# The recent ``local`` and ``global`` lines (the chat history shown at login), pruned
# to the newest few hundred per scope as lines arrive.
chat_lines = sa.Table(
    "chat_lines",
    metadata,
    sa.Column("line_id", sa.String(), primary_key=True),
    sa.Column("scope", sa.String(), nullable=False),
    sa.Column("channel", sa.String(), nullable=False),
    sa.Column("player_id", sa.String(), nullable=False),
    sa.Column("player_name", sa.String(), nullable=False),
    sa.Column("message", sa.Text(), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    # The speaker's effects on the line (``["glyph"]``); NULL for lines kept before
    # distortion was (read as none).
    sa.Column("distortion", sa.JSON(), nullable=True),
    sa.Index("ix_chat_lines_scope_sent_at", "scope", "sent_at"),
)

# The streams a stopping game hands to the next one (``request.save_handoff``), one row
# per player; ``request.take_handoff`` deletes them all, so each is continued at most once.
stream_handoffs = sa.Table(
    "stream_handoffs",
    metadata,
    sa.Column("player_id", sa.String(), primary_key=True),
    sa.Column("handoff_id", sa.String(), nullable=False),
    sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    # The StreamHandoff as JSON text: stored and returned whole, never queried into,
    # so text avoids a decode/encode round trip of a body that can be tens of kB.
    sa.Column("body", sa.Text(), nullable=False),
)

# One row per shard: its term, raised by one by each game that takes the shard over
# (``request.raise_term``), so edges can tell a newer owner's envelopes from an older's.
shard_terms = sa.Table(
    "shard_terms",
    metadata,
    sa.Column("shard", sa.String(), primary_key=True),
    sa.Column("term", sa.BigInteger(), nullable=False),
)

# One row per item: moving it is one versioned upsert of its row, so no sequence of
# saves can duplicate or lose an item. A destroyed item stays as a tombstone
# (location_kind ``gone``), which no later save overwrites.
items = sa.Table(
    "items",
    metadata,
    sa.Column("item_id", sa.String(), primary_key=True),
    sa.Column("prototype_id", sa.String(), nullable=False),
    sa.Column("location_kind", sa.String(), nullable=False),
    sa.Column("location_id", sa.String(), nullable=True),
    sa.Column("slot", sa.String(), nullable=True),
    sa.Column("origin", sa.String(), nullable=True),
    sa.Column("version", sa.BigInteger(), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_items_location", "location_kind", "location_id"),
)
