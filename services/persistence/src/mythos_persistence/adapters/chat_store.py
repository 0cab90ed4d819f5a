"""The chat_lines table behind the ``ChatStore`` port: idempotent inserts, pruned per scope."""

from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa
from mythos_contracts.persistence import ChatLine
from sqlalchemy.ext.asyncio import AsyncEngine

from mythos_persistence.adapters.sql_store import SqlStore, insert_for
from mythos_persistence.adapters.tables import chat_lines

_COLUMNS = (
    "line_id",
    "scope",
    "channel",
    "player_id",
    "player_name",
    "message",
    "text",
    "distortion",
)


class SqlChatStore(SqlStore):
    def __init__(self, engine: AsyncEngine, *, keep: int = 500) -> None:
        super().__init__(engine)
        self._keep = keep
        """Lines kept per scope; older ones are deleted as new ones arrive."""

    async def add_line(self, line: ChatLine) -> bool:
        async def insert() -> bool:
            statement = (
                insert_for(self._engine)(chat_lines)
                .values(**line.model_dump())
                .on_conflict_do_nothing(index_elements=[chat_lines.c.line_id])
                .returning(chat_lines.c.line_id)
            )
            async with self._engine.begin() as connection:
                added = (await connection.execute(statement)).first() is not None
                if added:
                    await connection.execute(self._prune(line.scope))
            return added

        return await self._write("append_chat", insert)

    async def recent(self, limit: int, scopes: list[str] | None) -> list[ChatLine]:
        async def query() -> list[ChatLine]:
            ranked = sa.select(
                chat_lines,
                sa.func.row_number()
                .over(
                    partition_by=chat_lines.c.scope,
                    order_by=(chat_lines.c.sent_at.desc(), chat_lines.c.line_id.desc()),
                )
                .label("age"),
            )
            if scopes is not None:
                ranked = ranked.where(chat_lines.c.scope.in_(scopes))
            inner = ranked.subquery()
            statement = (
                sa.select(*(inner.c[name] for name in (*_COLUMNS, "sent_at")))
                .where(inner.c.age <= limit)
                .order_by(inner.c.sent_at, inner.c.line_id)
            )
            async with self._engine.connect() as connection:
                rows = (await connection.execute(statement)).all()
            return [_line(dict(row._mapping)) for row in rows]

        return await self._read("chat_history", query)

    def _prune(self, scope: str) -> sa.Delete:
        newest = (
            sa.select(chat_lines.c.line_id)
            .where(chat_lines.c.scope == scope)
            .order_by(chat_lines.c.sent_at.desc(), chat_lines.c.line_id.desc())
            .limit(self._keep)
        )
        return sa.delete(chat_lines).where(
            chat_lines.c.scope == scope, chat_lines.c.line_id.not_in(newest.scalar_subquery())
        )


def _line(values: dict[str, object]) -> ChatLine:
    if values.get("distortion") is None:  # kept before distortion was stored
        values = {**values, "distortion": []}
    line = ChatLine.model_validate(values)
    if line.sent_at.tzinfo is None:  # SQLite keeps no zone; every value written is UTC
        line = line.model_copy(update={"sent_at": line.sent_at.replace(tzinfo=UTC)})
    return line
