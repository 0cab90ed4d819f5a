"""``mythos-persistence`` / ``python -m mythos_persistence``: RabbitMQ + database, with
``/healthz``, ``/readyz`` and ``/metrics`` on the health port."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Iterator

import uvicorn
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.ops.log_lines import configure_logging
from pydantic import ValidationError

from mythos_persistence.bootstrap import PersistenceService
from mythos_persistence.entrypoints.health import SERVICE, create_ops_app
from mythos_persistence.service_layer.retry import Backoff
from mythos_persistence.settings import PersistenceSettings

log = logging.getLogger("mythos_persistence")


class _HealthServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Signals belong to main(), which stops the service before the web server.
        yield


async def _connect(bus: AmqpBus, backoff: Backoff, stopping: asyncio.Event) -> bool:
    """Connect, waiting out a broker that is not up yet; False if asked to stop first."""
    for delay in backoff.delays():
        try:
            await bus.connect()
            return True
        except Exception as exc:
            log.warning("broker unavailable (%s); retrying in %.1fs", exc, delay)
            await bus.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), delay)
        if stopping.is_set():
            return False
    return False  # unreachable: delays() never ends


async def run(settings: PersistenceSettings) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)

    bus = AmqpBus(
        settings.amqp_url, connection_name="persistence", queue_type=settings.amqp_queue_type
    )
    backoff = Backoff(settings.retry_initial_seconds, settings.retry_max_seconds)
    if not await _connect(bus, backoff, stopping):
        return
    service = PersistenceService(settings, bus)
    try:
        await service.start()
        app = create_ops_app(service.readiness, bus=bus)
        server = _HealthServer(
            uvicorn.Config(
                app,
                host=settings.health_host,
                port=settings.health_port,
                lifespan="off",
                log_config=None,  # keep configure_logging's handler and format
                access_log=False,
            )
        )
        serving = asyncio.create_task(server.serve(), name="health server")
        stopped = asyncio.create_task(stopping.wait(), name="stop signal")
        await asyncio.wait({serving, stopped}, return_when=asyncio.FIRST_COMPLETED)
        log.info("shutting down")
        server.should_exit = True
        stopped.cancel()
        await serving
    finally:
        await service.stop()
        await bus.close()


def main() -> None:
    try:
        settings = PersistenceSettings()
    except ValidationError as exc:
        # Only the reasons: the input may hold credentials (broker or database URLs).
        sys.exit("persistence: bad settings: " + "; ".join(e["msg"] for e in exc.errors()))
    configure_logging(SERVICE, level=settings.log_level, fmt=settings.log_format)
    # Alembic announces every plugin it loads at INFO; only its real work matters here.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
