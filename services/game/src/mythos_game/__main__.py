"""Run the game service alone: ``uv run --package mythos-game python -m mythos_game``."""

from __future__ import annotations

import logging
import sys

import uvicorn
import uvloop
from mythos_contracts.bus.amqp import AmqpBus
from pydantic import ValidationError

from mythos_game.adapters.world_files import WorldError
from mythos_game.bootstrap import GameService
from mythos_game.entrypoints.health import create_health_app
from mythos_game.settings import GameSettings


async def serve(settings: GameSettings) -> None:
    bus = AmqpBus(settings.amqp_url, connection_name="game")
    await bus.connect()
    service = GameService(settings, bus)
    try:
        await service.start()
        health = uvicorn.Server(
            uvicorn.Config(
                create_health_app(lambda: service.ready),
                host=settings.health_host,
                port=settings.health_port,
                log_level="warning",
            )
        )
        await health.serve()  # returns on SIGINT/SIGTERM
    finally:
        await service.stop()
        await bus.close()


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s game %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = GameSettings()
    except ValidationError as exc:
        # Only the reasons: the input may hold credentials (broker or database URLs).
        sys.exit("game: bad settings: " + "; ".join(e["msg"] for e in exc.errors()))
    try:
        uvloop.run(serve(settings))
    except WorldError as exc:
        sys.exit(f"game: the world in {settings.world_dir} is broken: {exc}")


if __name__ == "__main__":
    main()
