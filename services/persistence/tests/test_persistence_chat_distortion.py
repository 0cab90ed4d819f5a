"""Chat lines keep the speaker's distortion (migration 0006), on SQLite and PostgreSQL:
kept and read back by the store, over the bus, and read as none for older lines."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from mythos_contracts.persistence import ChatHistoryReply, ChatLine, LoadChatHistoryRequest
from mythos_contracts.routing import PERSISTENCE_EXCHANGE, load_request_key, save_key
from mythos_persistence.adapters.chat_store import SqlChatStore
from mythos_persistence.adapters.migrations import alembic_config, upgrade_to_head
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import Backend

T0 = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)


def glyphed(line_id: str = "g1", scope: str = "global") -> ChatLine:
    return ChatLine(
        line_id=line_id,
        scope=scope,
        channel="global",
        player_id="c1",
        player_name="Ada",
        message="the stars are right \u2736",
        text="[global] Ada: the stars are right \u2736",
        sent_at=T0,
        distortion=["glyph"],
    )


async def chat_columns(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: {c["name"] for c in sa.inspect(sync).get_columns("chat_lines")}
        )


async def test_a_line_keeps_its_distortion(engine: AsyncEngine) -> None:
    store = SqlChatStore(engine)
    assert await store.add_line(glyphed())
    plain = glyphed("p1").model_copy(update={"distortion": [], "sent_at": T0.replace(minute=1)})
    assert await store.add_line(plain)
    lines = await store.recent(50, None)
    assert [(x.line_id, x.distortion) for x in lines] == [("g1", ["glyph"]), ("p1", [])]
    assert lines[0] == glyphed()


async def test_lines_kept_before_0006_read_as_undistorted(engine: AsyncEngine) -> None:
    await upgrade_to_head(engine, "0005")
    assert "distortion" not in await chat_columns(engine)
    async with engine.begin() as connection:
        await connection.execute(
            sa.text(
                "INSERT INTO chat_lines (line_id, scope, channel, player_id, player_name,"
                " message, text, sent_at) VALUES ('old', 'global', 'global', 'c1', 'Ada',"
                " 'hello', '[global] Ada: hello', :t)"
            ),
            {"t": T0},
        )
    store = SqlChatStore(engine)
    await store.migrate()
    assert "distortion" in await chat_columns(engine)
    (old,) = await store.recent(50, None)
    assert (old.line_id, old.message, old.distortion) == ("old", "hello", [])


async def test_0006_downgrades_and_upgrades_again(engine: AsyncEngine) -> None:
    await upgrade_to_head(engine)

    def to_0005(connection: sa.Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")

    async with engine.begin() as connection:
        await connection.run_sync(to_0005)
    assert "distortion" not in await chat_columns(engine)
    await upgrade_to_head(engine)
    assert "distortion" in await chat_columns(engine)
    store = SqlChatStore(engine)
    await store.add_line(glyphed())
    assert [x.distortion for x in await store.recent(5, None)] == [["glyph"]]


async def test_the_history_over_the_bus_carries_distortion(backend: Backend) -> None:
    service, _ = await backend.start_service()
    client = await backend.bus("game")
    try:
        body = glyphed(scope="the-quad").model_dump_json().encode()
        await client.publish(PERSISTENCE_EXCHANGE, save_key("chat"), body)
        request = LoadChatHistoryRequest(limit=50).model_dump_json().encode()
        lines: list[ChatLine] = []

        async def kept() -> bool:
            nonlocal lines
            raw = await client.request(
                PERSISTENCE_EXCHANGE, load_request_key("chat_history"), request
            )
            lines = ChatHistoryReply.model_validate_json(raw).lines
            return bool(lines)

        await backend.eventually(kept, what="the line kept")
        assert [(x.line_id, x.distortion) for x in lines] == [("g1", ["glyph"])]
    finally:
        await service.stop()
