"""The game's internal health port: ``/healthz``, ``/readyz`` and ``/metrics``.

``/healthz`` is liveness: 200 while the process runs and its clock ticks, even while
the broker is away (the robust connection heals that; a restart would only lose the
world's in-memory state). ``/readyz`` is 200 only while the broker is connected, the
world is loaded and commands are being consumed: 503 from the stop on. The local
launcher waits for ``/healthz``, which this port serves only once the game consumes.
"""

from __future__ import annotations

from fastapi import FastAPI
from mythos_contracts.bus import Bus
from mythos_contracts.ops.health import ops_routes

from mythos_game.bootstrap import GameService


def create_health_app(service: GameService, bus: Bus) -> FastAPI:
    app = FastAPI(title="Mythos game health", docs_url=None, redoc_url=None, openapi_url=None)
    app.router.routes.extend(
        ops_routes("game", readiness=service.readiness(), bus=bus, fatal=service.fatal)
    )
    return app
