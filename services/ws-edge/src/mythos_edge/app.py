"""The edge's ASGI app. Its lifespan owns the bus connection and this edge's queue."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.routing import EVENTS_EXCHANGE, GAME_SYNC_KEY, GLOBAL_PATTERN, edge_queue

from mythos_edge.adapters.token_verifier import JwksTokenVerifier, TokenVerifier
from mythos_edge.entrypoints.origin_check import OriginPolicy
from mythos_edge.entrypoints.websocket import EdgeRuntime, router
from mythos_edge.service_layer.connection_caps import ConnectionCaps
from mythos_edge.service_layer.connections import ConnectionRegistry
from mythos_edge.service_layer.fanout import Fanout
from mythos_edge.service_layer.liveness import Liveness
from mythos_edge.service_layer.room_bindings import RoomBindings
from mythos_edge.settings import EdgeSettings


def create_app(settings: EdgeSettings, bus: Bus, verifier: TokenVerifier | None = None) -> FastAPI:
    """``bus`` is connected and closed by the app's lifespan. ``verifier`` defaults to the
    auth service's JWKS at ``settings.jwks_url`` (tests may pass another)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await bus.connect()
        queue = edge_queue(settings.instance_id)
        # Exclusive: the queue dies with this edge; the game's sequencing makes the gap visible.
        await bus.declare_queue(queue, exclusive=True, dead_letter=False)
        await bus.bind(queue, EVENTS_EXCHANGE, GLOBAL_PATTERN)
        registry = ConnectionRegistry()
        bindings = RoomBindings(bus, queue)
        fanout = Fanout(
            bus, registry, bindings, settings.instance_id, max_pending=settings.max_pending
        )
        liveness = Liveness(
            bus,
            registry,
            fanout,
            settings.instance_id,
            heartbeat_seconds=settings.edge_heartbeat_seconds,
            idle_timeout_seconds=settings.idle_timeout_seconds,
        )
        app.state.edge = EdgeRuntime(
            settings,
            bus,
            verifier
            or JwksTokenVerifier(
                settings.jwks_url, issuer=settings.token_issuer, audience=settings.token_audience
            ),
            registry,
            bindings,
            fanout,
            OriginPolicy(settings.origin_list(), same_host=settings.allow_same_host_origin),
            ConnectionCaps(
                per_address=settings.max_connections_per_ip,
                per_account=settings.max_connections_per_account,
            ),
        )

        async def on_event(delivery: Delivery) -> None:
            if delivery.routing_key == GAME_SYNC_KEY:
                await liveness.answer_sync(delivery)
            else:
                await fanout.on_event(delivery)

        await bus.consume(queue, on_event, prefetch=settings.event_prefetch)
        tasks: set[asyncio.Task[None]] = set()
        bus.on_reconnect(lambda: _spawn(tasks, liveness.after_reconnect()))
        beating = asyncio.create_task(liveness.run(), name="edge liveness")
        try:
            yield
        finally:
            beating.cancel()
            await bus.close()

    app = FastAPI(
        title="Mythos edge", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.include_router(router)

    @app.get("/api/healthz")
    async def healthz() -> JSONResponse:
        runtime: EdgeRuntime | None = getattr(app.state, "edge", None)
        if runtime is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        return JSONResponse(
            {"status": "ok", "instance": settings.instance_id, "connections": len(runtime.registry)}
        )

    return app


def close_all(app: FastAPI, code: int, reason: str) -> None:
    """Ask every client of this edge to leave (e.g. 1012 on shutdown: resume elsewhere)."""
    runtime: EdgeRuntime | None = getattr(app.state, "edge", None)
    if runtime is not None:
        for conn in runtime.registry.all():
            conn.close_after_flush(code, reason)


def _spawn(tasks: set[asyncio.Task[None]], work: Coroutine[Any, Any, None]) -> None:
    task = asyncio.get_running_loop().create_task(work)
    tasks.add(task)
    task.add_done_callback(tasks.discard)
