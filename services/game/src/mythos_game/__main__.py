"""Run the game service alone: ``uv run --package mythos-game python -m mythos_game``.

SIGTERM (or SIGINT) starts a graceful stop: ``/readyz`` turns 503, no new command is
taken, the one in hand finishes and is acked (within ``shutdown_grace_seconds``), and
only then do the health port and the broker connection close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Iterator

import uvicorn
import uvloop
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.ops.log_lines import configure_logging
from pydantic import ValidationError

from mythos_game.adapters.world_files import WorldError
from mythos_game.bootstrap import GameService
from mythos_game.entrypoints.health import create_health_app
from mythos_game.settings import GameSettings

log = logging.getLogger("mythos_game")


class HealthServer(uvicorn.Server):
    """uvicorn takes SIGTERM for itself and raises it again once it has stopped, which
    would kill the process before the command in hand is finished. The game handles the
    signals (``serve`` below), so this server leaves them alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(settings: GameSettings) -> None:
    bus = AmqpBus(settings.amqp_url, connection_name="game", queue_type=settings.amqp_queue_type)
    await bus.connect()
    service = GameService(settings, bus)
    try:
        await service.start()
        health = HealthServer(
            uvicorn.Config(
                create_health_app(service, bus),
                host=settings.health_host,
                port=settings.health_port,
                log_config=None,
                log_level="warning",
                access_log=False,  # probes every few seconds: noise, not information
            )
        )
        draining: list[asyncio.Task[None]] = []

        async def drain() -> None:
            # The health port stays up meanwhile: /readyz says 503, /healthz still 200.
            await service.stop()
            health.should_exit = True

        def on_signal(sig: signal.Signals) -> None:
            if draining:
                log.info("%s again: already stopping", sig.name)
                return
            log.info("%s: stopping gracefully", sig.name)
            draining.append(asyncio.create_task(drain(), name="drain"))

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_signal, sig)
        await health.serve()  # returns once drained (or at once if the port is taken)
        for task in draining:
            await task
    finally:
        await service.stop()  # a no-op after the drain; the same drain on any other exit
        await bus.close()
    log.info("stopped")


def main() -> None:
    try:
        settings = GameSettings()
    except ValidationError as exc:
        # Only the reasons: the input may hold credentials (broker or database URLs).
        sys.exit("game: bad settings: " + "; ".join(e["msg"] for e in exc.errors()))
    configure_logging("game", level=settings.log_level, fmt=settings.log_format)
    try:
        uvloop.run(serve(settings))
    except WorldError as exc:
        sys.exit(f"game: the world in {settings.world_dir} is broken: {exc}")


if __name__ == "__main__":
    main()
