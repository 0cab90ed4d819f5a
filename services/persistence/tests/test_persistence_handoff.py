"""Stream handoffs: the store on SQLite and PostgreSQL, the handlers, and the requests over a bus."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from mythos_contracts.envelope import EventEnvelope
from mythos_contracts.events import CommandResponseData
from mythos_contracts.persistence import (
    HandoffEntry,
    HandoffReply,
    HandoffSaved,
    PersistenceError,
    SaveHandoffRequest,
    StreamHandoff,
    TakeHandoffRequest,
)
from mythos_contracts.routing import PERSISTENCE_EXCHANGE, load_request_key
from mythos_persistence.adapters.chat_store import SqlChatStore
from mythos_persistence.adapters.handoff_store import SqlHandoffStore
from mythos_persistence.service_layer.handoff_handlers import (
    handle_save_handoff,
    handle_take_handoff,
)
from mythos_persistence.service_layer.ports import StoreUnavailable
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine

T0 = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)
SAVE = load_request_key("save_handoff")
TAKE = load_request_key("take_handoff")


def stream(
    player_id: str, *, messages: int = 3, epoch: str = "e1", commands: int = 2
) -> StreamHandoff:
    """A stream with ``messages`` history entries (numbered 1..messages) and some answered
    commands; every field differs from its default, so a lossy round trip shows."""
    history = [
        HandoffEntry(
            seq=seq,
            age_seconds=(messages - seq) * 0.25,
            envelope=EventEnvelope(
                event_type="chat_message",
                timestamp=T0 + timedelta(microseconds=1234 * seq),
                room_id="miskatonic-library",
                data={
                    "channel": "say",
                    "sender": {"id": "p0", "name": "Armitage"},
                    "text": f"Armitage says: message {seq} — «ñ» {'x' * 200}",
                    "nested": {"list": [1, 2.5, None, True], "seq": seq},
                },
                recipients={player_id: seq, "p0": seq + 7},
                connection_id=f"conn-{player_id}" if seq == 1 else None,
            ),
        )
        for seq in range(1, messages + 1)
    ]
    return StreamHandoff(
        player_id=player_id,
        connection_id=f"conn-{player_id}",
        session_id=f"session-{player_id}",
        epoch=epoch,
        opened_for=f"conn-{player_id}-first",
        last=messages,
        linkdead=player_id.endswith("1"),
        room_bound=True,
        history=history,
        recent_commands={
            f"cmd-{player_id}-{n}": CommandResponseData(
                command="say", command_id=f"cmd-{player_id}-{n}", success=n % 2 == 0, result=f"r{n}"
            )
            for n in range(commands)
        },
    )


async def rows_left(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return (
            await connection.execute(sa.text("SELECT count(*) FROM stream_handoffs"))
        ).scalar_one()


# --- the store ----------------------------------------------------------------------


async def take_all(store: SqlHandoffStore, max_age: float, now: datetime) -> list[StreamHandoff]:
    """One take large enough for everything a test saved."""
    streams, more = await store.take(max_age, now, limit=1000)
    assert not more
    return streams


async def test_the_migration_creates_the_table(engine: AsyncEngine) -> None:
    await SqlHandoffStore(engine).migrate()
    async with engine.connect() as connection:
        columns = await connection.run_sync(
            lambda sync: {c["name"]: c for c in sa.inspect(sync).get_columns("stream_handoffs")}
        )
        primary = await connection.run_sync(
            lambda sync: sa.inspect(sync).get_pk_constraint("stream_handoffs")
        )
    assert set(columns) == {"player_id", "handoff_id", "saved_at", "body"}
    assert primary["constrained_columns"] == ["player_id"]
    assert not any(column["nullable"] for column in columns.values())


async def test_save_then_take_gives_them_back_exactly_once(engine: AsyncEngine) -> None:
    store = SqlHandoffStore(engine)
    streams = [stream("p1"), stream("p2", messages=0, commands=0), stream("p3", messages=5)]
    assert await store.save("h1", streams, T0) == 3
    taken = await take_all(store, 60, T0 + timedelta(seconds=5))
    assert taken == streams  # same save time: by player id
    assert [len(s.history) for s in taken] == [3, 0, 5]
    assert taken[0].history[0].envelope == streams[0].history[0].envelope
    assert taken[0].recent_commands == streams[0].recent_commands
    assert list(taken[0].recent_commands) == ["cmd-p1-0", "cmd-p1-1"]  # order kept
    assert await take_all(store, 60, T0 + timedelta(seconds=6)) == []
    assert await rows_left(engine) == 0


async def test_a_later_save_replaces_the_earlier_one_of_a_player(engine: AsyncEngine) -> None:
    store = SqlHandoffStore(engine)
    await store.save("h1", [stream("p1", epoch="old"), stream("p2", epoch="old")], T0)
    newer = stream("p1", epoch="new", messages=4)
    assert await store.save("h2", [newer], T0 + timedelta(seconds=2)) == 1
    assert await rows_left(engine) == 2
    taken = await take_all(store, 60, T0 + timedelta(seconds=3))
    # p2's older save comes first; p1 is there once, as last saved.
    assert [(s.player_id, s.epoch) for s in taken] == [("p2", "old"), ("p1", "new")]
    assert taken[1] == newer


async def test_a_player_twice_in_one_part_is_stored_once_as_the_last_copy(
    engine: AsyncEngine,
) -> None:
    store = SqlHandoffStore(engine)
    last = stream("p1", epoch="second")
    assert await store.save("h1", [stream("p1", epoch="first"), last], T0) == 1
    assert await take_all(store, 60, T0) == [last]


async def test_streams_older_than_max_age_are_not_taken_but_deleted(engine: AsyncEngine) -> None:
    store = SqlHandoffStore(engine)
    await store.save("h-old", [stream("p1"), stream("p2")], T0)
    fresh = stream("p3")
    await store.save("h-new", [fresh], T0 + timedelta(seconds=100))
    on_the_edge = stream("p4")
    await store.save("h-edge", [on_the_edge], T0 + timedelta(seconds=80))
    taken = await take_all(store, 30, T0 + timedelta(seconds=110))
    assert taken == [on_the_edge, fresh]  # 30 s old exactly still counts
    assert await rows_left(engine) == 0
    # The expired ones are gone, not merely skipped.
    assert await take_all(store, 10**9, T0 + timedelta(seconds=111)) == []


async def test_save_times_in_another_zone_are_compared_as_instants(engine: AsyncEngine) -> None:
    store = SqlHandoffStore(engine)
    plus_two = timezone(timedelta(hours=2))
    await store.save("h1", [stream("p1")], (T0 + timedelta(seconds=50)).astimezone(plus_two))
    await store.save("h1", [stream("p2")], T0)
    taken = await take_all(store, 30, (T0 + timedelta(seconds=60)).astimezone(plus_two))
    assert [s.player_id for s in taken] == ["p1"]


async def test_a_big_part_is_one_batched_write(engine: AsyncEngine) -> None:
    store = SqlHandoffStore(engine)
    await store.migrate()
    streams = [stream(f"p{n:03}", messages=100, commands=20) for n in range(100)]
    size = len(SaveHandoffRequest(handoff_id="big", streams=streams).model_dump_json())
    assert size > 3_000_000  # the few-MB part this is about
    inserts: list[bool] = []

    def seen(_conn: Any, _cursor: Any, statement: str, _params: Any, _ctx: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(many)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        assert await store.save("big", streams, T0) == 100
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert len(inserts) == 1  # one statement for the part, not one per stream
    assert await take_all(store, 60, T0) == streams


async def test_a_take_gives_at_most_limit_streams_and_says_when_more_wait(
    engine: AsyncEngine,
) -> None:
    store = SqlHandoffStore(engine)
    streams = [stream(f"p{n:03}") for n in range(25)]
    await store.save("h1", streams, T0)
    pages = [await store.take(60, T0, limit=10) for _ in range(3)]
    assert [(len(taken), more) for taken, more in pages] == [(10, True), (10, True), (5, False)]
    assert [s for taken, _ in pages for s in taken] == streams  # each once, oldest first
    assert await store.take(60, T0, limit=10) == ([], False)


async def test_two_takes_at_once_never_both_get_a_stream(engine: AsyncEngine) -> None:
    store = SqlHandoffStore(engine)
    streams = [stream(f"p{n:02}", messages=10) for n in range(40)]
    await store.save("h1", streams, T0)
    first, second = await asyncio.gather(
        take_all(SqlHandoffStore(engine), 60, T0), take_all(SqlHandoffStore(engine), 60, T0)
    )
    ids = [s.player_id for s in first] + [s.player_id for s in second]
    assert sorted(ids) == [s.player_id for s in streams]


async def test_an_unreadable_row_is_dropped_and_the_others_taken(engine: AsyncEngine) -> None:
    store = SqlHandoffStore(engine)
    await store.save("h1", [stream("p1"), stream("p2")], T0)
    async with engine.begin() as connection:
        await connection.execute(
            sa.text("UPDATE stream_handoffs SET body = :body WHERE player_id = 'p1'"),
            {"body": '{"player_id": "p1", "from": "a future contract"}'},
        )
    assert [s.player_id for s in await take_all(store, 60, T0)] == ["p2"]
    assert await rows_left(engine) == 0


async def test_stores_first_used_at_once_migrate_one_after_the_other(
    engine: AsyncEngine,
) -> None:
    # Each store migrates on first use; alembic cannot run two upgrades interleaved.
    taken, lines = await asyncio.gather(
        take_all(SqlHandoffStore(engine), 60, T0), SqlChatStore(engine).recent(10, None)
    )
    assert (taken, lines) == ([], [])


# --- the handlers -------------------------------------------------------------------


class FakeHandoffStore:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.saved: list[tuple[str, list[StreamHandoff], datetime]] = []
        self.takes: list[tuple[float, datetime]] = []

    async def save(
        self, handoff_id: str, streams: Sequence[StreamHandoff], saved_at: datetime
    ) -> int:
        if self.error is not None:
            raise self.error
        self.saved.append((handoff_id, list(streams), saved_at))
        return len(streams)

    async def take(
        self, max_age_seconds: float, now: datetime, limit: int = 100
    ) -> tuple[list[StreamHandoff], bool]:
        if self.error is not None:
            raise self.error
        self.takes.append((max_age_seconds, now))
        return [stream("p1")], True


async def test_the_handlers_stamp_the_time_and_answer() -> None:
    store = FakeHandoffStore()
    request = SaveHandoffRequest(handoff_id="h1", streams=[stream("p1"), stream("p2")])
    assert await handle_save_handoff(store, request, clock=lambda: T0) == HandoffSaved(saved=2)
    assert store.saved == [("h1", request.streams, T0)]
    reply = await handle_take_handoff(
        store, TakeHandoffRequest(max_age_seconds=45), clock=lambda: T0
    )
    assert reply == HandoffReply(streams=[stream("p1")], more=True)
    assert store.takes == [(45, T0)]


@pytest.mark.parametrize(
    ("error", "expected"),
    [(StoreUnavailable("connection refused"), "unavailable"), (RuntimeError("boom"), "failed")],
)
async def test_the_handlers_answer_an_error_when_the_store_fails(
    error: Exception, expected: str
) -> None:
    store = FakeHandoffStore(error)
    saved = await handle_save_handoff(store, SaveHandoffRequest(handoff_id="h1", streams=[]))
    taken = await handle_take_handoff(store, TakeHandoffRequest(max_age_seconds=1))
    assert isinstance(saved, PersistenceError) and expected in saved.error
    assert isinstance(taken, PersistenceError) and expected in taken.error


# --- over the bus -------------------------------------------------------------------


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_save_then_take_over_the_bus(backend: Any) -> None:
    saves_before = sample("mythos_persistence_writes_total", operation="save_handoff", outcome="ok")
    takes_before = sample("mythos_persistence_db_write_seconds_count", operation="take_handoff")
    service, _ = await backend.start_service()
    client = await backend.bus("game")
    # Two parts of one handoff, the first of the few-MB size a real part can reach.
    first = [stream(f"p{n:03}", messages=100, commands=20) for n in range(100)]
    second = [stream("q1"), stream("q2")]
    try:
        for part, count in ((first, 100), (second, 2)):
            body = SaveHandoffRequest(handoff_id="h1", streams=part).model_dump_json().encode()
            raw = await client.request(PERSISTENCE_EXCHANGE, SAVE, body, timeout=30)
            assert HandoffSaved.model_validate_json(raw) == HandoffSaved(saved=count)

        take = TakeHandoffRequest(max_age_seconds=60).model_dump_json().encode()
        raw = await client.request(PERSISTENCE_EXCHANGE, TAKE, take, timeout=30)
        page = HandoffReply.model_validate_json(raw)
        assert len(page.streams) == 100 and page.more  # the default limit: 100 per reply
        raw = await client.request(PERSISTENCE_EXCHANGE, TAKE, take, timeout=30)
        rest = HandoffReply.model_validate_json(raw)
        assert len(rest.streams) == 2 and not rest.more
        taken = page.streams + rest.streams
        assert sorted(taken, key=lambda s: s.player_id) == first + second

        raw = await client.request(PERSISTENCE_EXCHANGE, TAKE, take, timeout=30)
        assert HandoffReply.model_validate_json(raw) == HandoffReply(streams=[])
    finally:
        await service.stop()
    assert (
        sample("mythos_persistence_writes_total", operation="save_handoff", outcome="ok")
        == saves_before + 2
    )
    assert (
        sample("mythos_persistence_db_write_seconds_count", operation="take_handoff")
        == takes_before + 3
    )


async def test_bad_handoff_requests_get_an_error_reply(backend: Any) -> None:
    service, _ = await backend.start_service()
    client = await backend.bus("game")
    try:
        raw = await client.request(PERSISTENCE_EXCHANGE, SAVE, b'{"handoff_id": "", "streams": 7}')
        error = PersistenceError.model_validate_json(raw).error
        assert "invalid save_handoff request" in error and "handoff_id" in error

        raw = await client.request(PERSISTENCE_EXCHANGE, TAKE, b'{"max_age_seconds": 0}')
        error = PersistenceError.model_validate_json(raw).error
        assert "invalid take_handoff request" in error and "max_age_seconds" in error

        raw = await client.request(PERSISTENCE_EXCHANGE, TAKE, b"not json")
        assert "invalid take_handoff request" in PersistenceError.model_validate_json(raw).error

        # Nothing was stored by the bad save, and the service still answers.
        take = TakeHandoffRequest(max_age_seconds=60).model_dump_json().encode()
        raw = await client.request(PERSISTENCE_EXCHANGE, TAKE, take)
        assert HandoffReply.model_validate_json(raw) == HandoffReply(streams=[])
    finally:
        await service.stop()
