"""Aliases and mutes in the player state; the chat history (store, handlers, over a bus)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from mythos_contracts.persistence import (
    ChatHistoryReply,
    ChatLine,
    LoadChatHistoryRequest,
    PersistenceError,
    PlayerStateChanged,
)
from mythos_contracts.routing import PERSISTENCE_EXCHANGE, load_request_key, save_key
from mythos_persistence.adapters.chat_store import SqlChatStore
from mythos_persistence.adapters.database import make_engine
from mythos_persistence.adapters.migrations import alembic_config
from mythos_persistence.adapters.player_store import SqlPlayerStore
from mythos_persistence.service_layer.chat_handlers import handle_chat_history, handle_chat_save
from mythos_persistence.service_layer.ports import StoreUnavailable
from mythos_persistence.service_layer.retry import Backoff
from sqlalchemy.ext.asyncio import AsyncEngine

T0 = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)


def line(n: int, scope: str = "global", line_id: str | None = None) -> ChatLine:
    return ChatLine(
        line_id=line_id or f"{scope}-{n}",
        scope=scope,
        channel="global" if scope == "global" else "local",
        player_id="p1",
        player_name="Armitage",
        message=f"line {n}",
        text=f"[{'global' if scope == 'global' else 'local'}] Armitage: line {n}",
        sent_at=T0 + timedelta(seconds=n),
    )


async def test_aliases_and_mutes_are_stored_with_the_player(engine: AsyncEngine) -> None:
    store = SqlPlayerStore(engine)
    muted = T0 + timedelta(minutes=10)
    change = PlayerStateChanged(
        player_id="p1",
        name="Armitage",
        room_id="street",
        version=1,
        aliases={"gq": "go north", "hi": "say Good evening"},
        muted_until=muted,
    )
    assert await store.save_if_newer(change)
    stored = await store.load("p1")
    assert stored is not None
    assert stored.aliases == {"gq": "go north", "hi": "say Good evening"}
    assert stored.muted_until == muted
    # A sender without aliases (None) leaves them as stored; the mute is state like the room.
    older_sender = PlayerStateChanged(player_id="p1", name="Armitage", room_id="yard", version=2)
    assert await store.save_if_newer(older_sender)
    stored = await store.load("p1")
    assert stored is not None and stored.room_id == "yard"
    assert stored.aliases == {"gq": "go north", "hi": "say Good evening"}
    assert stored.muted_until is None


async def test_players_saved_before_aliases_existed_load_with_none(tmp_path: Path) -> None:
    from alembic import command

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/old.db")
    try:

        def to_0001(connection: sa.Connection) -> None:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")

        async with engine.begin() as connection:
            await connection.run_sync(to_0001)
            await connection.execute(
                sa.text(
                    "INSERT INTO players (player_id, name, room_id, version, updated_at) "
                    "VALUES ('old', 'Old', 'street', 4, '2026-01-01 00:00:00')"
                )
            )
        stored = await SqlPlayerStore(engine).load("old")  # migrates to head first
        assert stored is not None
        assert (stored.room_id, stored.version, stored.aliases, stored.muted_until) == (
            "street",
            4,
            {},
            None,
        )
    finally:
        await engine.dispose()


async def test_chat_lines_are_kept_once_and_pruned_per_scope(engine: AsyncEngine) -> None:
    store = SqlChatStore(engine, keep=5)
    for n in range(8):
        assert await store.add_line(line(n))
    assert await store.add_line(line(0, "orne-library"))
    assert not await store.add_line(line(7))  # a redelivery
    lines = await store.recent(50, None)
    assert [x.line_id for x in lines] == ["orne-library-0"] + [f"global-{n}" for n in range(3, 8)]
    assert all(x.sent_at.tzinfo is not None for x in lines)
    assert lines == sorted(lines, key=lambda x: x.sent_at)


async def test_recent_gives_the_newest_per_scope_oldest_first(engine: AsyncEngine) -> None:
    store = SqlChatStore(engine)
    for n in range(6):
        await store.add_line(line(n))
        await store.add_line(line(n, "the-quad"))
    await store.add_line(line(0, "orne-library"))
    newest = await store.recent(2, ["global", "the-quad"])
    assert [x.line_id for x in newest] == ["global-4", "the-quad-4", "global-5", "the-quad-5"]
    assert {x.scope for x in await store.recent(1, None)} == {"global", "the-quad", "orne-library"}
    assert await store.recent(5, ["nowhere"]) == []


class FlakyChatStore:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.lines: dict[str, ChatLine] = {}

    async def add_line(self, chat: ChatLine) -> bool:
        if self.failures:
            self.failures -= 1
            raise StoreUnavailable("down")
        if chat.line_id in self.lines:
            return False
        self.lines[chat.line_id] = chat
        return True

    async def recent(self, limit: int, scopes: list[str] | None) -> list[ChatLine]:
        if self.failures:
            raise StoreUnavailable("down")
        return list(self.lines.values())[-limit:]


async def test_a_chat_save_waits_out_an_outage() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    store = FlakyChatStore(failures=3)
    assert await handle_chat_save(store, line(1), backoff=Backoff(0.5, 1.0), sleep=sleep)
    assert slept == [0.5, 1.0, 1.0]
    assert not await handle_chat_save(store, line(1), sleep=sleep)


async def test_history_requests_get_an_error_while_the_database_is_down() -> None:
    reply = await handle_chat_history(FlakyChatStore(failures=1), LoadChatHistoryRequest())
    assert isinstance(reply, PersistenceError) and "unavailable" in reply.error
    store = FlakyChatStore(failures=0)
    await store.add_line(line(1))
    reply = await handle_chat_history(store, LoadChatHistoryRequest(limit=5))
    assert isinstance(reply, ChatHistoryReply) and [x.line_id for x in reply.lines] == ["global-1"]


async def test_chat_history_over_the_bus(backend: Any) -> None:
    service, _ = await backend.start_service()
    client = await backend.bus("game")
    try:
        for n in range(3):
            body = line(n, "the-quad").model_dump_json().encode()
            await client.publish(PERSISTENCE_EXCHANGE, save_key("chat"), body)
        await client.publish(PERSISTENCE_EXCHANGE, save_key("chat"), body)  # redelivered
        request = LoadChatHistoryRequest(limit=50).model_dump_json().encode()

        async def all_three() -> bool:
            raw = await client.request(
                PERSISTENCE_EXCHANGE, load_request_key("chat_history"), request
            )
            return len(ChatHistoryReply.model_validate_json(raw).lines) == 3

        await backend.eventually(all_three, what="three chat lines kept")
        raw = await client.request(PERSISTENCE_EXCHANGE, load_request_key("chat_history"), b"{")
        assert "invalid chat_history request" in PersistenceError.model_validate_json(raw).error
    finally:
        await service.stop()
