"""The operations contract: JSON log lines, redaction, correlation ids, health routes."""

from __future__ import annotations

import asyncio
import gc
import io
import json
import logging

import httpx
import pytest
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.ops.health import ops_routes, run_checks
from mythos_contracts.ops.log_lines import (
    REDACTED,
    JsonLogFormatter,
    TextLogFormatter,
    current_log_context,
    log_context,
    redact,
)
from mythos_contracts.ops.metrics import BUS_PUBLISHED, bus_published
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    DEFAULT_SHARD,
    DEFAULT_SHARD_INBOX,
    command_key,
)
from prometheus_client import REGISTRY
from starlette.applications import Starlette

JWT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJwMSJ9.c2lnbmF0dXJl"


def _capture(formatter: logging.Formatter) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger(f"test.ops.{id(stream)}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_is_one_json_object_with_service_and_correlation_ids() -> None:
    logger, stream = _capture(JsonLogFormatter("game"))
    with log_context(player_id="p1", command_id="c-9"):
        logger.info("command handled", extra={"command": "say", "duration_ms": 1.5})
    logger.info("outside")
    inside, outside = _lines(stream)
    assert inside["service"] == "game"
    assert inside["level"] == "info"
    assert inside["msg"] == "command handled"
    assert (inside["player_id"], inside["command_id"]) == ("p1", "c-9")
    assert (inside["command"], inside["duration_ms"]) == ("say", 1.5)
    assert "player_id" not in outside


def test_context_ids_nest_skip_none_and_are_restored_after_an_error() -> None:
    with log_context(player_id="p1", connection_id=None):
        assert current_log_context() == {"player_id": "p1"}
        with pytest.raises(RuntimeError):
            with log_context(player_id="p2", command_id="c-1"):
                assert current_log_context() == {"player_id": "p2", "command_id": "c-1"}
                raise RuntimeError
        assert current_log_context() == {"player_id": "p1"}
    assert current_log_context() == {}


async def test_context_ids_belong_to_their_own_task() -> None:
    logger, stream = _capture(JsonLogFormatter("edge"))

    async def connection(player: str) -> None:
        with log_context(player_id=player):
            await asyncio.sleep(0.01)
            logger.info("line")

    await asyncio.gather(connection("a"), connection("b"))
    assert sorted(str(line["player_id"]) for line in _lines(stream)) == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"WebSocket /api/ws?token={JWT} [accepted]", JWT),
        (f"Authorization: Bearer {JWT}", JWT),
        ("bearer opaque-refresh-value", "opaque-refresh-value"),
        ("amqp://mythos:s3cr3t@rabbit:5672/mythos", "s3cr3t"),
        ("postgresql+asyncpg://app:hunter2@db/game", "hunter2"),
        ("GET /auth/x?refresh_token=abc123&x=1", "abc123"),
    ],
)
def test_secrets_never_reach_a_line(text: str, secret: str) -> None:
    assert secret not in redact(text)
    assert REDACTED in redact(text)
    logger, stream = _capture(JsonLogFormatter("auth"))
    logger.warning("saw %s", text)
    assert secret not in stream.getvalue()


def test_secret_fields_tracebacks_and_text_lines_are_redacted() -> None:
    logger, stream = _capture(JsonLogFormatter("auth"))
    try:
        raise ValueError(f"bad token {JWT}")
    except ValueError:
        logger.exception("failed", extra={"password": "hunter2", "note": f"t={JWT}"})
    (line,) = _lines(stream)
    assert line["password"] == REDACTED
    assert JWT not in json.dumps(line)
    assert "ValueError" in str(line["exc"])
    text_logger, text = _capture(TextLogFormatter("edge"))
    with log_context(connection_id="k1"):
        text_logger.info("token=%s", JWT)
    assert JWT not in text.getvalue()
    assert "connection_id=k1" in text.getvalue()


async def test_ops_routes_answer_liveness_readiness_and_metrics() -> None:
    broker = InMemoryBroker()
    bus = InMemoryBus(broker)
    await bus.connect()
    database_up = True

    async def database() -> None:
        if not database_up:
            raise ConnectionRefusedError("postgresql://u:pw@db refused")

    async def never_answers() -> None:
        await asyncio.sleep(60)

    async def held(_: object) -> None:
        await asyncio.sleep(60)

    await bus.consume(DEFAULT_SHARD_INBOX, held)
    for _ in range(3):
        await bus.publish(COMMANDS_EXCHANGE, command_key(DEFAULT_SHARD, "p1"), b"{}")
    await asyncio.sleep(0.05)
    app = Starlette(routes=ops_routes("game", {"database": database}, bus=bus))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://game") as client:
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"]["database"]["ok"] is True
        database_up = False
        down = await client.get("/readyz")
        assert down.status_code == 503
        assert down.json()["checks"]["database"] == {
            "ok": False,
            "detail": "ConnectionRefusedError",
        }
        assert "pw" not in down.text
        metrics = await client.get("/metrics")
        assert metrics.status_code == 200
        assert f'mythos_bus_queue_depth{{queue="{DEFAULT_SHARD_INBOX}"}} 2.0' in metrics.text
        assert "mythos_bus_published_total" in metrics.text

    report = await run_checks("game", {"broker": never_answers}, timeout=0.1)
    assert report.status == "unavailable"
    assert report.checks["broker"].detail == "no answer within 0.1s"
    await bus.close()


async def test_liveness_fails_only_on_a_fatal_reason() -> None:
    reason: str | None = None
    app = Starlette(routes=ops_routes("game", {}, fatal=lambda: reason))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://game") as client:
        assert (await client.get("/healthz")).status_code == 200
        reason = "command consumer stopped"
        dead = await client.get("/healthz")
        assert dead.status_code == 503
        assert dead.json()["checks"]["process"]["detail"] == "command consumer stopped"


def test_every_garbage_collection_is_timed_by_generation() -> None:
    from mythos_contracts.ops import metrics

    def collections(generation: int) -> float:
        value = REGISTRY.get_sample_value(
            "mythos_gc_pause_seconds_count", {"generation": str(generation)}
        )
        return value or 0.0

    assert gc.callbacks.count(metrics._time_gc) == 1  # once, however often imported
    before = [collections(g) for g in range(3)]
    gc.collect(2)
    gc.collect(0)
    assert collections(2) == before[2] + 1
    assert collections(0) >= before[0] + 1


def test_bus_published_is_the_labelled_child_bound_once() -> None:
    # Both adapters count through it per publish: it must be the scraped series itself.
    assert bus_published("mythos.events") is BUS_PUBLISHED.labels("mythos.events")
    assert bus_published("mythos.events") is bus_published("mythos.events")
    assert bus_published("") is not bus_published("mythos.events")
