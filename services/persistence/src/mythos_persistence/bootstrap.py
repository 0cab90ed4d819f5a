"""Composition root: settings + a bus -> a running persistence service.

Works on any ``Bus``: ``AmqpBus`` in production (see ``__main__``), an
``InMemoryBus`` with SQLite when another process embeds the service.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from mythos_contracts.bus import Bus
from mythos_contracts.ops.health import Check
from mythos_contracts.routing import PERSISTENCE_EXCHANGE, health_probe_key
from sqlalchemy.ext.asyncio import AsyncEngine

from mythos_persistence.adapters.character_store import SqlCharacterStore
from mythos_persistence.adapters.chat_store import SqlChatStore
from mythos_persistence.adapters.database import make_engine
from mythos_persistence.adapters.handoff_store import SqlHandoffStore
from mythos_persistence.adapters.item_store import SqlItemStore
from mythos_persistence.adapters.player_store import SqlPlayerStore
from mythos_persistence.entrypoints.consumers import Consumers
from mythos_persistence.service_layer.ports import StoreUnavailable
from mythos_persistence.service_layer.retry import Backoff
from mythos_persistence.settings import PersistenceSettings

log = logging.getLogger(__name__)

# Only request.# and save.# are bound on this exchange, so the probe reaches no queue;
# the publisher confirm alone proves the broker is taking messages.
_BROKER_PROBE_KEY = health_probe_key("persistence")


class PersistenceService:
    """Serves ``request.load_player`` (with the player's items), ``request.chat_history``,
    ``request.save_handoff``, ``request.take_handoff``, ``request.load_floor_items``,
    ``save.player``, ``save.chat`` and ``save.item`` from the game database, and answers
    ``save.fence`` in order with the saves.

    The contract's lifecycle runs it (see ``__main__``); whoever runs it owns the bus:
    connect it before ``start()`` (``connect()`` already declares the durable queues
    this service consumes) and close it after ``stop()``. The service owns its
    database engine.
    """

    def __init__(self, settings: PersistenceSettings, bus: Bus) -> None:
        self._settings = settings
        self._bus = bus
        self._engine: AsyncEngine | None = None
        self._store: SqlPlayerStore | None = None
        self._consumers: Consumers | None = None

    async def start(self) -> None:
        """Migrate the schema and start consuming. Does not wait for a down database."""
        self._engine = make_engine(self._settings.database_url)
        self._store = SqlPlayerStore(self._engine)
        try:
            await self._store.migrate()
        except StoreUnavailable as exc:
            # Consume anyway: loads get a clear error reply and saves wait in their
            # queue; the store migrates as soon as the database answers.
            log.warning("database unavailable at startup (%s); serving degraded", exc)
        backoff = Backoff(self._settings.retry_initial_seconds, self._settings.retry_max_seconds)
        chat = SqlChatStore(self._engine, keep=self._settings.chat_lines_kept)
        handoffs = SqlHandoffStore(self._engine)
        items = SqlItemStore(self._engine)
        characters = SqlCharacterStore(self._engine)
        self._consumers = Consumers(
            self._bus, self._store, backoff, chat, handoffs, items, characters
        )
        await self._consumers.start()
        log.info("persistence service started")

    async def drain(self) -> None:
        """Let in-flight work finish (up to ``shutdown_grace_seconds``) and take no more.

        Deliveries that arrive afterwards, or are still waiting on the database, stay
        unacknowledged and go back to their queue when the caller closes the bus.
        """
        consumers, self._consumers = self._consumers, None
        if consumers is not None:
            await consumers.stop(self._settings.shutdown_grace_seconds)

    async def stop(self) -> None:
        """Drain (if nothing did yet), then release the database."""
        await self.drain()
        if self._engine is not None:
            await self._engine.dispose()
        log.info("persistence service stopped")

    @property
    def readiness(self) -> Mapping[str, Check]:
        """What ``/readyz`` checks: the service is useful only when both answer."""
        return {"database": self.check_database, "broker": self.check_broker}

    async def check_database(self) -> None:
        """Raises unless the database answers (for the health endpoint)."""
        if self._store is None:
            raise RuntimeError("service not started")
        await self._store.ping()

    async def check_broker(self) -> None:
        """Raises unless the broker confirms a (deliberately unroutable) message."""
        await self._bus.publish(PERSISTENCE_EXCHANGE, _BROKER_PROBE_KEY, b"", persistent=False)
