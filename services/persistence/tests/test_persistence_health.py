"""``/healthz`` (liveness), ``/readyz`` (database, broker) and ``/metrics`` of the ops app."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.ops.health import Check
from mythos_persistence.bootstrap import PersistenceService
from mythos_persistence.entrypoints.health import create_ops_app
from mythos_persistence.settings import PersistenceSettings

# Nothing listens on port 1: every connection attempt is refused at once.
REFUSING_URL = "postgresql://postgres@127.0.0.1:1/mythos"


async def ok() -> None:
    return None


async def refused() -> None:
    raise ConnectionRefusedError("nope")


async def hangs() -> None:
    await asyncio.Event().wait()


async def get(
    checks: dict[str, Check], path: str, bus: AmqpBus | InMemoryBus | None = None
) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_ops_app(checks, bus=bus))
    async with httpx.AsyncClient(transport=transport, base_url="http://health") as client:
        return await client.get(path)


async def test_ready_when_every_check_passes() -> None:
    response = await get({"database": ok, "broker": ok}, "/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "service": "persistence",
        "checks": {"database": {"ok": True}, "broker": {"ok": True}},
    }


async def test_not_ready_names_what_is_down_but_stays_live() -> None:
    checks: dict[str, Check] = {"database": refused, "broker": ok}
    ready = await get(checks, "/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert ready.json()["checks"] == {
        "database": {"ok": False, "detail": "ConnectionRefusedError"},
        "broker": {"ok": True},
    }
    # Liveness ignores dependencies: restarting would not bring the database back.
    live = await get(checks, "/healthz")
    assert live.status_code == 200
    assert live.json()["status"] == "ok"


async def test_a_hanging_check_times_out() -> None:
    response = await get({"database": hangs, "broker": ok}, "/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False


async def test_metrics_are_exposed(tmp_path: Path) -> None:
    bus = InMemoryBus(InMemoryBroker())
    await bus.connect()
    service = PersistenceService(
        PersistenceSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/game.db"), bus
    )
    await service.start()
    try:
        response = await get(dict(service.readiness), "/metrics", bus)
    finally:
        await service.stop()
        await bus.close()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    for name in (
        'mythos_persistence_writes_total{operation="save_player",outcome="error"}',
        "mythos_persistence_db_write_seconds_bucket",
        'mythos_persistence_db_read_seconds_count{operation="load_player"}',
        "mythos_bus_delivered_total",
    ):
        assert name in response.text


async def test_service_checks_in_memory(tmp_path: Path) -> None:
    bus = InMemoryBus(InMemoryBroker())
    await bus.connect()
    settings = PersistenceSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/game.db")
    service = PersistenceService(settings, bus)
    await service.start()
    try:
        response = await get(dict(service.readiness), "/readyz")
        assert response.status_code == 200, response.text
    finally:
        await service.stop()
        await bus.close()


async def test_service_checks_on_rabbitmq_with_postgres_down(amqp_url: str) -> None:
    bus = AmqpBus(amqp_url, connection_name="persistence")
    await bus.connect()
    settings = PersistenceSettings(database_url=REFUSING_URL)
    service = PersistenceService(settings, bus)
    await service.start()
    checks = dict(service.readiness)
    try:
        response = await get(checks, "/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["database"]["ok"] is False
        assert response.json()["checks"]["broker"] == {"ok": True}
        assert (await get(checks, "/healthz")).status_code == 200
    finally:
        await service.stop()
        await bus.close()
    # With the connection gone the broker is reported down as well.
    response = await get(checks, "/readyz")
    assert response.json()["checks"]["broker"]["ok"] is False
