"""The stream_handoffs and shard_terms tables behind the ``HandoffStore`` port: what a
stopping game leaves for the next one, upserted per player and taken (deleted) at most
once, and each shard's term, raised by one by every game that takes the shard over."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from mythos_contracts.persistence import StreamHandoff
from pydantic import ValidationError

from mythos_persistence.adapters.sql_store import SqlStore, insert_for
from mythos_persistence.adapters.tables import shard_terms, stream_handoffs

log = logging.getLogger(__name__)


class SqlHandoffStore(SqlStore):
    async def save(
        self, handoff_id: str, streams: Sequence[StreamHandoff], saved_at: datetime
    ) -> int:
        # One row per player: a stream listed twice keeps its last copy, so one batch
        # never touches a row twice (which an INSERT .. ON CONFLICT cannot do).
        at = _utc(saved_at)
        rows = list(
            {
                stream.player_id: {
                    "player_id": stream.player_id,
                    "handoff_id": handoff_id,
                    "saved_at": at,
                    "body": stream.model_dump_json(),
                }
                for stream in streams
            }.values()
        )

        async def upsert() -> int:
            if not rows:
                return 0
            statement = insert_for(self._engine)(stream_handoffs)
            statement = statement.on_conflict_do_update(
                index_elements=[stream_handoffs.c.player_id],
                set_={
                    column: statement.excluded[column]
                    for column in ("handoff_id", "saved_at", "body")
                },
            )
            async with self._engine.begin() as connection:
                # A list of parameter sets: one executemany for the whole part, not a
                # round trip per stream.
                await connection.execute(statement, rows)
            return len(rows)

        return await self._write("save_handoff", upsert)

    async def take(
        self, max_age_seconds: float, now: datetime, limit: int = 100
    ) -> tuple[list[StreamHandoff], bool]:
        """The oldest ``limit`` fresh streams, deleted as they are returned (expired ones
        are deleted too), and whether fresh ones are left for another take."""
        cutoff = _utc(now) - timedelta(seconds=max_age_seconds)
        table = stream_handoffs
        fresh = table.c.saved_at >= cutoff
        oldest = (
            sa.select(table.c.player_id)
            .where(fresh)
            .order_by(table.c.saved_at, table.c.player_id)
            .limit(limit)
            .scalar_subquery()
        )
        # DELETE .. RETURNING: the rows returned are exactly the rows deleted, so two games
        # taking at once (or a redelivered take) never both continue the same stream, and
        # a save committing meanwhile is either taken now or left for the next take.
        taking = (
            sa.delete(table)
            .where(table.c.player_id.in_(oldest))
            .returning(table.c.player_id, table.c.handoff_id, table.c.saved_at, table.c.body)
        )
        expiring = sa.delete(table).where(table.c.saved_at < cutoff)
        left = sa.select(sa.exists().where(fresh))

        async def delete_some() -> tuple[list[Any], int, bool]:
            async with self._engine.begin() as connection:
                expired = (await connection.execute(expiring)).rowcount
                rows = list((await connection.execute(taking)).all())
                more = bool((await connection.execute(left)).scalar())
                return rows, expired, more

        rows, expired, more = await self._write("take_handoff", delete_some)
        taken: list[tuple[datetime, str, StreamHandoff]] = []
        for row in rows:
            try:
                stream = StreamHandoff.model_validate_json(row.body)
            except ValidationError as exc:
                # Saved under another contract; that player resyncs instead.
                log.warning(
                    "handoff %s of player %s dropped: unreadable (%s)",
                    row.handoff_id,
                    row.player_id,
                    exc.error_count(),
                )
                continue
            taken.append((_utc(row.saved_at), row.player_id, stream))
        if expired:
            log.info("%d handed-off streams older than %.1fs discarded", expired, max_age_seconds)
        taken.sort(key=lambda item: (item[0], item[1]))
        return [stream for _at, _player, stream in taken], more

    async def raise_term(self, shard: str) -> int:
        """The shard's term plus one (1 the first time), written before it is returned."""
        statement = insert_for(self._engine)(shard_terms).values(shard=shard, term=1)
        # One statement: two games raising at once get two different terms.
        statement = statement.on_conflict_do_update(
            index_elements=[shard_terms.c.shard],
            set_={"term": shard_terms.c.term + 1},
        ).returning(shard_terms.c.term)

        async def raise_it() -> int:
            async with self._engine.begin() as connection:
                return int((await connection.execute(statement)).scalar_one())

        return await self._write("raise_term", raise_it)


def _utc(value: datetime) -> datetime:
    # SQLite keeps no time zone: every value is written as UTC and read back as such.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
