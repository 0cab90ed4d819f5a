"""The auth service's app: settings checks, the lifespan that opens everything, and the
FastAPI app with its routes (``routes.py``), error handlers and middleware.

All I/O setup (database, migrations, signing keys) happens in the lifespan, so a host process
may mount this app and drive ``app.router.lifespan_context(app)`` itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from mythos_contracts.bus import Bus
from mythos_contracts.bus.access import owned_queues
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.ops.proxies import warn_if_wide
from starlette.exceptions import HTTPException as StarletteHTTPException

from mythos_auth.adapters.account_store import SqlAccountStore
from mythos_auth.adapters.database import (
    async_database_url,
    create_engine,
    ensure_sqlite_directory,
)
from mythos_auth.adapters.migrations import upgrade_to_head
from mythos_auth.adapters.password_hasher import Argon2PasswordHasher, slots_for
from mythos_auth.adapters.revocation_outbox import SqlRevocationOutbox
from mythos_auth.adapters.session_store import SqlInviteStore, SqlSessionStore
from mythos_auth.adapters.signing_keys import load_key_ring
from mythos_auth.adapters.tokens import TokenIssuer
from mythos_auth.clock import Clock, SystemClock
from mythos_auth.entrypoints.account_bus import AccountBus
from mythos_auth.entrypoints.body_limit import BodyLimit
from mythos_auth.entrypoints.dependencies import AuthResources, Throttles
from mythos_auth.entrypoints.errors import (
    Throttled,
    busy_response,
    http_error,
    readable_validation_error,
    throttled_response,
)
from mythos_auth.entrypoints.housekeeping import purge_expired, purge_expired_periodically
from mythos_auth.entrypoints.observability import add_observability
from mythos_auth.entrypoints.openapi import dedupe_security_requirements
from mythos_auth.entrypoints.routes import router
from mythos_auth.service_layer.login import Login
from mythos_auth.service_layer.ports import HashingBusy
from mythos_auth.service_layer.sessions import Sessions
from mythos_auth.settings import AuthSettings

log = logging.getLogger(__name__)


class UnsafeConfiguration(RuntimeError):
    """Production mode found settings it will not run with."""


def check_startup_settings(settings: AuthSettings) -> None:
    """Raise ``UnsafeConfiguration`` if production mode finds unsafe settings."""
    if not settings.is_production:
        return
    problems = settings.production_problems()
    if problems:
        raise UnsafeConfiguration(
            "refusing to start with AUTH_ENVIRONMENT=production: " + "; ".join(problems)
        )


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
        # Unsafe settings and missing keys stop startup before anything is touched.
        check_startup_settings(settings)
        if settings.trust_forwarded_for:
            warn_if_wide("AUTH_TRUSTED_PROXIES", settings.trusted_proxies, log)
        keys = await asyncio.to_thread(
            load_key_ring,
            key_file=settings.key_file,
            key_dir=settings.key_dir,
            active_kid=settings.active_kid,
            allow_generate=not settings.is_production,
            refuse_world_readable=settings.is_production,
        )
        database_url = async_database_url(settings.database_url)
        await asyncio.to_thread(ensure_sqlite_directory, database_url)
        await upgrade_to_head(database_url)
        hasher = await Argon2PasswordHasher.create(
            slots=slots_for(settings.password_hash_memory_mib),
            wait_seconds=settings.password_hash_wait_seconds,
        )
        engine = create_engine(database_url)
        store = SqlAccountStore(engine)
        session_store = SqlSessionStore(engine)
        tokens = TokenIssuer(
            keys,
            issuer=settings.issuer,
            audience=settings.audience,
            ttl_seconds=settings.access_token_ttl_seconds,
        )
        await purge_expired(session_store, service_clock)
        purger = asyncio.create_task(purge_expired_periodically(session_store, service_clock))
        account_bus = AccountBus(
            bus,
            SqlRevocationOutbox(engine),
            store,
            service_clock,
            max_age=timedelta(seconds=settings.access_token_ttl_seconds),
            poll_seconds=settings.revocation_poll_seconds,
        )
        relay = asyncio.create_task(account_bus.run(), name="account bus")
        sessions = Sessions(
            store,
            session_store,
            tokens,
            settings.refresh_policy,
            outbox=account_bus,
        )
        throttles = Throttles.from_settings(settings, service_clock)
        try:
            app.state.auth = AuthResources(
                store=store,
                hasher=hasher,
                tokens=tokens,
                sessions=sessions,
                account_bus=account_bus,
                login=Login(store, hasher, sessions, throttles.login, service_clock),
                session_store=session_store,
                invites=SqlInviteStore(engine),
                throttles=throttles,
                clock=service_clock,
                require_invite=settings.require_invite,
                trusted_proxies=settings.trusted_proxy_networks,
            )
            log.info(
                "auth ready (%s; signing key %s of %d published; %d password-hashing slots%s)",
                settings.environment,
                keys.active.kid,
                len(keys.keys),
                hasher.slots,
                "; invites required" if settings.require_invite else "",
            )
            yield
        finally:
            app.state.auth = None
            for task in (purger, relay):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if bus is not None:
                await bus.close()
            await engine.dispose()
            hasher.close()

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
