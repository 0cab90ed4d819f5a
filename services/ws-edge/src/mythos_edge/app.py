"""The edge's ASGI app. Its lifespan owns the bus connection and this edge's queue.

Routes: ``/api/ws`` (the game socket) and ``/api/healthz`` (the launcher's and Docker's
probe) are public through the front door, which forwards only ``/api/*`` to edges;
``/healthz``, ``/readyz`` and ``/metrics`` are at the root, so they are only reachable on
the edge's own port (Kubernetes and Prometheus), never through the public origin.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from mythos_contracts.accounts import AccountRevoked
from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.ops.health import ops_routes
from mythos_contracts.ops.proxies import warn_if_wide
from mythos_contracts.routing import (
    ACCOUNTS_EXCHANGE,
    EVENTS_EXCHANGE,
    GAME_SYNC_KEY,
    GLOBAL_PATTERN,
    REVOCATIONS_PATTERN,
    edge_queue,
    is_revocation_key,
)

from mythos_edge.adapters.token_verifier import JwksTokenVerifier, TokenVerifier
from mythos_edge.entrypoints.origin_check import OriginPolicy
from mythos_edge.entrypoints.websocket import RESTARTING_REASON, EdgeRuntime, router
from mythos_edge.metrics import CONNECTION_CAP, DRAINING
from mythos_edge.service_layer.connection_caps import ConnectionCaps
from mythos_edge.service_layer.connections import CLOSE_SERVICE_RESTART, ConnectionRegistry
from mythos_edge.service_layer.fanout import Fanout
from mythos_edge.service_layer.liveness import Liveness
from mythos_edge.service_layer.memory_trim import MemoryTrim
from mythos_edge.service_layer.revocations import Revocations
from mythos_edge.service_layer.room_bindings import RoomBindings
from mythos_edge.settings import EdgeSettings

log = logging.getLogger(__name__)


class NotStarted(Exception):
    """The lifespan has not built the runtime yet (the name is the readiness detail)."""


class BusDisconnected(Exception):
    pass


class Draining(Exception):
    pass


class EdgeService:
    """The edge as the contract's lifecycle runs it (``mythos_contracts.runtime``):
    ``start`` (on a connected bus) declares this edge's queue and starts fanning out;
    ``drain`` stops taking clients and asks each to reconnect elsewhere (1012), then
    waits for them to go; ``stop`` ends the liveness beat. The app's lifespan runs the
    same steps where no lifecycle does (tests, embedded mode)."""

    def __init__(
        self, app: FastAPI, settings: EdgeSettings, bus: Bus, verifier: TokenVerifier | None
    ) -> None:
        self._app = app
        self._settings = settings
        self._bus = bus
        self._verifier = verifier
        self._tasks: set[asyncio.Task[None]] = set()
        self._beating: asyncio.Task[None] | None = None
        self._memory_trim = MemoryTrim(
            after_drop=settings.memory_trim_after_closes,
            delay_seconds=settings.memory_trim_delay_seconds,
        )

    async def start(self) -> None:
        warn_if_wide("FORWARDED_ALLOW_IPS", self._settings.forwarded_allow_ips, log)
        queue = edge_queue(self._settings.instance_id)
        # Exclusive: the queue dies with this edge; the game's sequencing makes the gap visible.
        # Bounded: if this edge falls behind, the broker drops the oldest events rather
        # than grow without limit; each connection's stream then shows a gap, healed by
        # replay from the game's history (or a resync).
        await self._bus.declare_queue(
            queue,
            exclusive=True,
            dead_letter=False,
            max_length=self._settings.event_queue_max_length,
        )
        await self._bus.bind(queue, EVENTS_EXCHANGE, GLOBAL_PATTERN)
        # Every edge hears every revocation: it may hold sockets of any account.
        await self._bus.bind(queue, ACCOUNTS_EXCHANGE, REVOCATIONS_PATTERN)
        registry = ConnectionRegistry()
        revocations = Revocations(
            registry,
            memory_seconds=self._settings.revoked_login_memory_seconds,
            max_entries=self._settings.revoked_login_memory_max,
        )
        bindings = RoomBindings(self._bus, queue)
        fanout = Fanout(
            self._bus,
            registry,
            bindings,
            self._settings.instance_id,
            max_pending=self._settings.max_pending,
        )
        liveness = Liveness(
            self._bus,
            registry,
            fanout,
            self._settings.instance_id,
            heartbeat_seconds=self._settings.edge_heartbeat_seconds,
            idle_timeout_seconds=self._settings.idle_timeout_seconds,
        )
        self._app.state.edge = EdgeRuntime(
            self._settings,
            self._bus,
            self._verifier
            or JwksTokenVerifier(
                self._settings.jwks_url,
                issuer=self._settings.token_issuer,
                audience=self._settings.token_audience,
                refetch_seconds=self._settings.jwks_refetch_seconds,
            ),
            registry,
            bindings,
            fanout,
            OriginPolicy(
                self._settings.origin_list(), same_host=self._settings.allow_same_host_origin
            ),
            ConnectionCaps(
                per_address=self._settings.max_connections_per_ip,
                per_account=self._settings.max_connections_per_account,
                per_edge=self._settings.max_connections,
            ),
            revocations,
            memory_trim=self._memory_trim,
        )
        CONNECTION_CAP.set(self._settings.max_connections)
        DRAINING.set(0)

        async def on_event(delivery: Delivery) -> None:
            if delivery.routing_key == GAME_SYNC_KEY:
                await liveness.answer_sync(delivery)
            elif is_revocation_key(delivery.routing_key):
                revocations.apply(AccountRevoked.model_validate_json(delivery.body))
            else:
                await fanout.on_event(delivery)

        await self._bus.consume(queue, on_event, prefetch=self._settings.event_prefetch)
        self._bus.on_reconnect(lambda: _spawn(self._tasks, liveness.after_reconnect()))
        self._beating = asyncio.create_task(liveness.run(), name="edge liveness")

    async def drain(self) -> None:
        drain(self._app, CLOSE_SERVICE_RESTART, RESTARTING_REASON)
        runtime: EdgeRuntime | None = getattr(self._app.state, "edge", None)
        if runtime is not None:
            await runtime.registry.emptied()

    async def stop(self) -> None:
        self._memory_trim.stop()
        if self._beating is not None:
            self._beating.cancel()


def create_app(settings: EdgeSettings, bus: Bus, verifier: TokenVerifier | None = None) -> FastAPI:
    """``verifier`` defaults to the auth service's JWKS at ``settings.jwks_url`` (tests may
    pass another). The app's lifespan connects ``bus``, starts the edge and closes the bus
    afterwards; under the contract's lifecycle (``__main__``) it is off and
    ``edge_service(app)`` is run instead."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await bus.connect()
        service = edge_service(app)
        await service.start()
        try:
            yield
        finally:
            await service.stop()
            await bus.close()

    app = FastAPI(
        title="Mythos edge", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.service = EdgeService(app, settings, bus, verifier)
    app.include_router(router)
    app.router.routes.extend(ops_routes("edge", _readiness(app, bus), bus=bus))

    @app.get("/api/healthz")
    async def healthz() -> JSONResponse:
        runtime: EdgeRuntime | None = getattr(app.state, "edge", None)
        if runtime is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        return JSONResponse(
            {"status": "ok", "instance": settings.instance_id, "connections": len(runtime.registry)}
        )

    return app


def edge_service(app: FastAPI) -> EdgeService:
    service: EdgeService = app.state.service
    return service


def _readiness(app: FastAPI, bus: Bus) -> dict[str, Callable[[], Awaitable[None]]]:
    """Ready: the lifespan built the runtime, the broker connection is up, not draining."""

    async def started() -> None:
        if getattr(app.state, "edge", None) is None:
            raise NotStarted

    async def bus_connected() -> None:
        if not bus.is_connected():
            raise BusDisconnected

    async def not_draining() -> None:
        runtime: EdgeRuntime | None = getattr(app.state, "edge", None)
        if runtime is not None and runtime.draining:
            raise Draining

    return {"started": started, "bus": bus_connected, "draining": not_draining}


def drain(app: FastAPI, code: int, reason: str) -> None:
    """Stop taking clients (``/readyz`` 503, new handshakes 503), then ask every client to
    leave: with 1012 they reconnect at once, through the front door, to another edge."""
    runtime: EdgeRuntime | None = getattr(app.state, "edge", None)
    DRAINING.set(1)
    if runtime is not None:
        runtime.draining = True
        log.info("draining: closing %d client(s) with %d", len(runtime.registry), code)
    close_all(app, code, reason)


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
