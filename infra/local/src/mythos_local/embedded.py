"""Embedded mode: the same service code in one process, on the in-process bus and
SQLite, for a machine with neither RabbitMQ nor PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import uvicorn
from fastapi import FastAPI
from mythos_auth.entrypoints.api import create_app as create_auth_app
from mythos_auth.settings import AuthSettings
from mythos_contracts.bus.journal import MemoryJournal
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.ops.log_lines import configure_logging
from mythos_contracts.routing import PERSISTENCE_SAVES_QUEUE
from mythos_contracts.runtime import LifecycleServer
from mythos_edge.app import create_app as create_edge_app
from mythos_edge.app import edge_service
from mythos_edge.entrypoints.header_deadline import header_deadline_protocol
from mythos_edge.entrypoints.lean_socket import DetachableWebSockets
from mythos_edge.settings import EdgeSettings
from mythos_game.bootstrap import GameService
from mythos_game.settings import GameSettings
from mythos_persistence.bootstrap import PersistenceService
from mythos_persistence.settings import PersistenceSettings
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mythos_local.console import EMBEDDED_NAMES, Console, level_number, log_to, service_of
from mythos_local.distributed import announce
from mythos_local.front_door import CONTENT_SECURITY_POLICY
from mythos_local.settings import LocalSettings

log = logging.getLogger("mythos.local")

_NO_CLIENT = HTMLResponse(
    "<!doctype html><title>Mythos</title><p>The client bundle is not built: run "
    "<code>make client</code>.</p>",
    status_code=503,
)


class ClientFiles(StaticFiles):
    """The client bundle served as the front door serves it: a path that is no file gets
    the app shell (Caddy's ``try_files {path} /index.html``, so the client's own routes
    load), and a refusal is an answer (405 for a POST), never an unhandled exception."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as refusal:
            if refusal.status_code == 404:
                return await super().get_response("index.html", scope)
            return PlainTextResponse(
                refusal.detail, status_code=refusal.status_code, headers=refusal.headers
            )


def with_client_headers(app: ASGIApp) -> ASGIApp:
    """The client's pages with the headers the front door sends with them (its CSP)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                headers["X-Content-Type-Options"] = "nosniff"
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped


def origin_app(auth: ASGIApp, edge: ASGIApp, static: ASGIApp) -> ASGIApp:
    """Routes by path exactly as the front door does in distributed mode."""

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if path.startswith("/auth/") or path == "/docs" or path.startswith("/docs/"):
            await auth(scope, receive, send)
        elif path.startswith("/api/"):
            await edge(scope, receive, send)
        else:
            await static(scope, receive, send)

    return route


async def run_embedded(settings: LocalSettings, stop: asyncio.Event) -> int:
    # One process for every service, so one handler, set before any of them starts: every
    # line (uvicorn's "/api/ws?token=..." access lines included) is redacted, as JSON or,
    # for a terminal, rendered under the name of the service that logged it.
    configure_logging("mythos", level=settings.mythos_log_level, fmt="json")
    console = Console(EMBEDDED_NAMES, level=level_number(settings.mythos_log_level))
    if settings.log_format == "text":
        log_to(console, service_of)
    data = settings.mythos_data_dir / "embedded"
    data.mkdir(parents=True, exist_ok=True)
    # The broker lives in this process, so a kill -9 loses what it holds: the saves are
    # confirmed only once the persistence service has stored them (RabbitMQ's confirm
    # means "on disk"), so an answered command outlives a kill in this mode too.
    broker = InMemoryBroker(confirm_on_ack=[PERSISTENCE_SAVES_QUEUE])
    auth_app = create_auth_app(
        AuthSettings(
            database_url=f"sqlite+aiosqlite:///{data / 'auth.db'}",
            key_file=data / "auth_ed25519.pem",
        ),
        bus=InMemoryBus(broker),
    )
    edge_settings = EdgeSettings(
        instance_id="embedded",
        jwks_url=f"{settings.public_url}/auth/.well-known/jwks.json",
    )
    edge_app = create_edge_app(edge_settings, InMemoryBus(broker))
    dist = settings.mythos_client_dist
    static = with_client_headers(
        ClientFiles(directory=dist, html=True) if dist.is_dir() else _NO_CLIENT
    )

    persistence_bus = InMemoryBus(broker)
    game_bus = InMemoryBus(broker)
    async with contextlib.AsyncExitStack() as stack:
        await persistence_bus.connect()
        stack.push_async_callback(persistence_bus.close)
        persistence = PersistenceService(
            PersistenceSettings(database_url=f"sqlite+aiosqlite:///{data / 'game.db'}"),
            persistence_bus,
        )
        await persistence.start()
        stack.push_async_callback(persistence.stop)
        await game_bus.connect()
        stack.push_async_callback(game_bus.close)
        # The same recording path as a distributed game, on a journal in this process.
        game = GameService(GameSettings(), game_bus, MemoryJournal())
        await game.start()
        stack.push_async_callback(game.stop)
        await stack.enter_async_context(auth_app.router.lifespan_context(auth_app))
        await stack.enter_async_context(edge_app.router.lifespan_context(edge_app))

        # The launcher owns the signals (its stop drains the edge first): uvicorn's own
        # handlers would stop serving at once and raise the signal again once stopped.
        server = LifecycleServer(
            uvicorn.Config(
                origin_app(auth_app, edge_app, static),
                host=settings.mythos_host,
                port=settings.mythos_port,
                lifespan="off",
                ws=DetachableWebSockets,  # as the edge: the socket leaves ASGI once accepted
                ws_max_size=1 << 20,
                ws_per_message_deflate=False,  # small lines: not worth a zlib context each
                ws_ping_interval=None,  # as the edge: idle close and 4008 are the checks
                http=header_deadline_protocol(edge_settings.handshake_timeout_seconds),
                log_config=None,
                # As a distributed edge: what is still open after the drain has this long.
                # (annotated int; uvicorn waits with it as asyncio does, a float too)
                timeout_graceful_shutdown=edge_settings.shutdown_grace_seconds,  # type: ignore[arg-type]
            )
        )
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                return 1
            await asyncio.sleep(0.05)
        announce(settings, "embedded", console)
        await stop.wait()
        log.info("stopping every service")
        await _drain_edge(edge_app, edge_settings.shutdown_grace_seconds)
        server.should_exit = True
        await serving
    log.info("stopped")
    return 0


async def _drain_edge(edge_app: FastAPI, grace: float) -> None:
    """What a distributed edge does on SIGTERM (``mythos_contracts.runtime``): every
    client asked to reconnect (1012, "server restarting") and given ``grace`` seconds
    (``EDGE_SHUTDOWN_GRACE_SECONDS``) to leave, while the game still answers."""
    try:
        await asyncio.wait_for(edge_service(edge_app).drain(), grace)
    except TimeoutError:
        log.warning("the drain took over %.1fs; stopping anyway", grace)
