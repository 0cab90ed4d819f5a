"""``GET /healthz``: 200 when the database and the broker both answer, else 503."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from fastapi import FastAPI
from fastapi.responses import JSONResponse

log = logging.getLogger(__name__)

# A check returns when its dependency answers and raises (or times out) otherwise.
Check = Callable[[], Awaitable[None]]


def create_health_app(checks: Mapping[str, Check], *, timeout: float = 2.0) -> FastAPI:
    """A FastAPI app whose body names each dependency: ``{"status": ..., name: "ok"|"down"}``."""
    app = FastAPI(title="mythos-persistence health", docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        names = list(checks)
        results = await asyncio.gather(*(_probe(name, checks[name], timeout) for name in names))
        body = dict(zip(names, results, strict=True))
        healthy = all(result == "ok" for result in results)
        return JSONResponse(
            {"status": "ok" if healthy else "down", **body}, status_code=200 if healthy else 503
        )

    return app


async def _probe(name: str, check: Check, timeout: float) -> str:
    try:
        await asyncio.wait_for(check(), timeout)
    except Exception as exc:
        log.warning("health check %s failed: %r", name, exc)
        return "down"
    return "ok"
