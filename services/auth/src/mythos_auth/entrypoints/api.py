"""The auth service's FastAPI app: its routes (``routes.py``), error handlers and
middleware, and the service that opens everything they use (``bootstrap.py``).

All I/O setup (database, migrations, signing keys) happens when the service starts: under
the contract's lifecycle (``__main__``), or in the app's lifespan where none runs, so a
host process may mount this app and drive ``app.router.lifespan_context(app)`` itself.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from mythos_contracts.bus import Bus
from mythos_contracts.bus.access import owned_queues
from mythos_contracts.bus.amqp import AmqpBus
from starlette.exceptions import HTTPException as StarletteHTTPException

from mythos_auth.bootstrap import (  # re-exported: callers import them from here
    AuthService,
)
from mythos_auth.clock import Clock, SystemClock
from mythos_auth.entrypoints.body_limit import BodyLimit
from mythos_auth.entrypoints.errors import (
    Throttled,
    busy_response,
    http_error,
    readable_validation_error,
    throttled_response,
)
from mythos_auth.entrypoints.observability import add_observability
from mythos_auth.entrypoints.openapi import dedupe_security_requirements
from mythos_auth.entrypoints.routes import router
from mythos_auth.service_layer.ports import HashingBusy
from mythos_auth.settings import AuthSettings

log = logging.getLogger(__name__)


def create_app(
    settings: AuthSettings, *, clock: Clock | None = None, bus: Bus | None = None
) -> FastAPI:
    """Build the app; nothing touches the disk, network or database until the lifespan runs.

    ``clock`` (tests) replaces the system clock for token times, expiries and throttles.
    ``bus`` (not connected; the lifespan connects it in the background and closes it)
    defaults to RabbitMQ at AUTH_AMQP_URL, or none when that is unset.
    """
    service_clock: Clock = clock or SystemClock()
    if bus is None and settings.amqp_url:
        bus = AmqpBus(
            settings.amqp_url,
            connection_name="auth",
            queue_type=settings.amqp_queue_type,
            owned_queues=owned_queues("auth", settings.amqp_declare),
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = auth_service(app)
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    app = FastAPI(
        title="Mythos auth",
        summary="Accounts, login, sessions and Ed25519-signed access tokens.",
        version="0.2.0",
        lifespan=lifespan,
        # The Swagger UI loads scripts from a CDN; production does without it.
        docs_url="/docs" if settings.serves_api_docs else None,
        openapi_url="/auth/openapi.json",
        redoc_url=None,
    )
    app.state.service = AuthService(app, settings, service_clock, bus)
    app.add_exception_handler(RequestValidationError, readable_validation_error)
    app.add_exception_handler(Throttled, throttled_response)
    app.add_exception_handler(HashingBusy, busy_response)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.include_router(router)
    # Added before observability's middleware, so it runs inside it: 413s are counted too.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    add_observability(app)
    dedupe_security_requirements(app)
    return app


def auth_service(app: FastAPI) -> AuthService:
    service: AuthService = app.state.service
    return service
