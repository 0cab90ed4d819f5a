"""Liveness/readiness endpoint of the game service."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.responses import JSONResponse


def create_health_app(is_ready: Callable[[], bool]) -> FastAPI:
    app = FastAPI(title="Mythos game health", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        ready = is_ready()
        return JSONResponse(
            {"status": "ok" if ready else "starting"}, status_code=200 if ready else 503
        )

    return app
