"""Fixtures of the persistence tests: the service on either bus, with a client bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from mythos_contracts.bus import Bus
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.persistence import LoadPlayerReply, LoadPlayerRequest, PlayerStateChanged
from mythos_contracts.routing import PERSISTENCE_EXCHANGE, load_request_key, save_key
from mythos_persistence.adapters.database import make_engine
from mythos_persistence.bootstrap import PersistenceService
from mythos_persistence.settings import PersistenceSettings
from sqlalchemy.ext.asyncio import AsyncEngine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A database engine on SQLite (embedded mode) and on a PostgreSQL of the test's own."""
    url = (
        f"sqlite+aiosqlite:///{tmp_path}/game.db"
        if request.param == "sqlite"
        else request.getfixturevalue("database_url")
    )
    engine = make_engine(url)
    yield engine
    await engine.dispose()


# Short backoff so outage tests do not sit through the production 0.5..10 s delays.
FAST_RETRY = {"retry_initial_seconds": 0.05, "retry_max_seconds": 0.2}


@dataclass
class Backend:
    """Where a test runs: a bus factory and a database URL."""

    name: str
    database_url: str
    _new_bus: Callable[[str], Bus]
    buses: list[Bus] = field(default_factory=list)

    async def bus(self, name: str = "test") -> Bus:
        bus = self._new_bus(name)
        await bus.connect()
        self.buses.append(bus)
        return bus

    def settings(self, **overrides: Any) -> PersistenceSettings:
        return PersistenceSettings(database_url=self.database_url, **{**FAST_RETRY, **overrides})

    async def start_service(self, **overrides: Any) -> tuple[PersistenceService, Bus]:
        """A started service on its own bus (connected first, as the service expects)."""
        bus = await self.bus("persistence")
        service = PersistenceService(self.settings(**overrides), bus)
        await service.start()
        return service, bus

    @staticmethod
    async def load(client: Bus, player_id: str, name: str = "Armitage") -> bytes:
        body = LoadPlayerRequest(player_id=player_id, name=name).model_dump_json().encode()
        return await client.request(PERSISTENCE_EXCHANGE, load_request_key("load_player"), body)

    @staticmethod
    async def loaded(client: Bus, player_id: str) -> LoadPlayerReply:
        return LoadPlayerReply.model_validate_json(await Backend.load(client, player_id))

    @staticmethod
    async def save(client: Bus, player_id: str, room_id: str, version: int) -> None:
        change = PlayerStateChanged(
            player_id=player_id, name="Armitage", room_id=room_id, version=version
        )
        body = change.model_dump_json().encode()
        await client.publish(PERSISTENCE_EXCHANGE, save_key("player"), body)

    @staticmethod
    async def eventually(
        probe: Callable[[], Awaitable[bool]], *, timeout: float = 10.0, what: str = "condition"
    ) -> None:
        """Poll ``probe`` until it is true, failing after ``timeout`` seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not await probe():
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail(f"timed out after {timeout}s waiting for {what}")
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        for bus in reversed(self.buses):
            await bus.close()


@pytest.fixture(
    params=["memory+sqlite", pytest.param("rabbitmq+postgres", marks=pytest.mark.services)]
)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "memory+sqlite":
        broker = InMemoryBroker()
        result = Backend(
            request.param,
            f"sqlite+aiosqlite:///{tmp_path}/game.db",
            lambda _name: InMemoryBus(broker),
        )
    else:
        amqp_url = request.getfixturevalue("amqp_url")
        database_url = request.getfixturevalue("database_url")
        result = Backend(
            request.param,
            database_url,
            lambda name: AmqpBus(amqp_url, connection_name=name),
        )
    try:
        yield result
    finally:
        await result.close()
