"""``GET /healthz`` and the checks the service feeds it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_persistence.bootstrap import PersistenceService
from mythos_persistence.entrypoints.health import Check, create_health_app
from mythos_persistence.settings import PersistenceSettings


async def ok() -> None:
    return None


async def refused() -> None:
    raise ConnectionRefusedError("nope")


async def hangs() -> None:
    await asyncio.Event().wait()


async def get_health(checks: dict[str, Check]) -> httpx.Response:
    app = create_health_app(checks, timeout=0.2)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://health") as client:
        return await client.get("/healthz")


async def test_healthy() -> None:
    response = await get_health({"database": ok, "broker": ok})
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.parametrize("failing", [refused, hangs])
async def test_names_what_is_down(failing: Check) -> None:
    response = await get_health({"database": failing, "broker": ok})
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "down", "broker": "ok"}


async def test_service_checks_in_memory(tmp_path: Path) -> None:
    bus = InMemoryBus(InMemoryBroker())
    await bus.connect()
    settings = PersistenceSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/game.db")
    service = PersistenceService(settings, bus)
    await service.start()
    try:
        response = await get_health(
            {"database": service.check_database, "broker": service.check_broker}
        )
        assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    finally:
        await service.stop()
        await bus.close()


async def test_service_checks_on_rabbitmq_with_postgres_down(amqp_url: str) -> None:
    bus = AmqpBus(amqp_url, connection_name="persistence")
    await bus.connect()
    settings = PersistenceSettings(database_url="postgresql://postgres@127.0.0.1:1/mythos")
    service = PersistenceService(settings, bus)
    await service.start()
    checks: dict[str, Check] = {
        "database": service.check_database,
        "broker": service.check_broker,
    }
    try:
        response = await get_health(checks)
        assert response.status_code == 503
        assert response.json() == {"status": "down", "database": "down", "broker": "ok"}
    finally:
        await service.stop()
        await bus.close()
    # With the connection gone the broker is reported down as well.
    response = await get_health(checks)
    assert response.json()["broker"] == "down"
