"""Composition root of the auth service: settings -> a running service.

``AuthService`` opens everything the routes need (signing keys, the database and its
migrations, the password hasher, the revocation relay) and puts it on the app as
``AuthResources``. The contract's lifecycle runs it (``__main__``); where none does
(tests, embedded mode), the app's lifespan runs the same ``start`` and ``stop``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from fastapi import FastAPI
from mythos_contracts.bus import Bus
from mythos_contracts.ops.proxies import warn_if_wide
from sqlalchemy.ext.asyncio import AsyncEngine

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
from mythos_auth.clock import Clock
from mythos_auth.entrypoints.account_bus import AccountBus
from mythos_auth.entrypoints.dependencies import AuthResources, Throttles
from mythos_auth.entrypoints.housekeeping import purge_expired, purge_expired_periodically
from mythos_auth.service_layer.login import Login
from mythos_auth.service_layer.sessions import Sessions
from mythos_auth.settings import AuthSettings

log = logging.getLogger(__name__)


class AuthService:
    """``start`` opens everything; ``drain`` has nothing to do (requests in flight finish
    as the server stops); ``stop`` ends the background work and releases the database,
    the hasher and the bus (which the revocation relay connects in the background: a
    login never waits for the broker)."""

    def __init__(self, app: FastAPI, settings: AuthSettings, clock: Clock, bus: Bus | None) -> None:
        self._app = app
        self._settings = settings
        self._clock = clock
        self._bus = bus
        self._tasks: list[asyncio.Task[None]] = []
        self._engine: AsyncEngine | None = None
        self._hasher: Argon2PasswordHasher | None = None

    async def start(self) -> None:
        # Missing keys stop startup before anything is touched (unsafe production
        # settings never get this far: they are refused as they are read).
        if self._settings.trust_forwarded_for:
            warn_if_wide("AUTH_TRUSTED_PROXIES", self._settings.trusted_proxies, log)
        keys = await asyncio.to_thread(
            load_key_ring,
            key_file=self._settings.key_file,
            key_dir=self._settings.key_dir,
            active_kid=self._settings.active_kid,
            allow_generate=not self._settings.is_production,
            refuse_world_readable=self._settings.is_production,
        )
        database_url = async_database_url(self._settings.database_url)
        await asyncio.to_thread(ensure_sqlite_directory, database_url)
        await upgrade_to_head(database_url)
        hasher = self._hasher = await Argon2PasswordHasher.create(
            slots=slots_for(self._settings.password_hash_memory_mib),
            wait_seconds=self._settings.password_hash_wait_seconds,
        )
        engine = self._engine = create_engine(database_url)
        store = SqlAccountStore(engine)
        session_store = SqlSessionStore(engine)
        tokens = TokenIssuer(
            keys,
            issuer=self._settings.issuer,
            audience=self._settings.audience,
            ttl_seconds=self._settings.access_token_ttl_seconds,
        )
        await purge_expired(session_store, self._clock)
        self._tasks.append(
            asyncio.create_task(purge_expired_periodically(session_store, self._clock))
        )
        account_bus = AccountBus(
            self._bus,
            SqlRevocationOutbox(engine),
            store,
            self._clock,
            max_age=timedelta(seconds=self._settings.access_token_ttl_seconds),
            poll_seconds=self._settings.revocation_poll_seconds,
        )
        self._tasks.append(asyncio.create_task(account_bus.run(), name="account bus"))
        sessions = Sessions(
            store,
            session_store,
            tokens,
            self._settings.refresh_policy,
            outbox=account_bus,
        )
        throttles = Throttles.from_settings(self._settings, self._clock)
        self._app.state.auth = AuthResources(
            store=store,
            hasher=hasher,
            tokens=tokens,
            sessions=sessions,
            account_bus=account_bus,
            login=Login(store, hasher, sessions, throttles.login, self._clock),
            session_store=session_store,
            invites=SqlInviteStore(engine),
            throttles=throttles,
            clock=self._clock,
            require_invite=self._settings.require_invite,
            trusted_proxies=self._settings.trusted_proxy_networks,
        )
        log.info(
            "auth ready (%s; signing key %s of %d published; %d password-hashing slots%s)",
            self._settings.environment,
            keys.active.kid,
            len(keys.keys),
            hasher.slots,
            "; invites required" if self._settings.require_invite else "",
        )

    async def drain(self) -> None:
        return None

    async def stop(self) -> None:
        self._app.state.auth = None
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._bus is not None:
            await self._bus.close()
        if self._engine is not None:
            await self._engine.dispose()
        if self._hasher is not None:
            self._hasher.close()
