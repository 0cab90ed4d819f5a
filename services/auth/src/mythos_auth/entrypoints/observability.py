"""What operators see of the auth service: request metrics, login and refresh outcomes
(counted and logged), and the internal ``/healthz``, ``/readyz`` and ``/metrics`` routes.

The ops routes sit at the root of auth's own port. The public origin (Caddy in distributed
mode, ``origin_app`` in embedded mode) forwards only ``/auth/*`` and ``/docs``, so they are
never reachable from the internet; being plain Starlette routes, they are not in the
OpenAPI schema either.
"""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI
from mythos_contracts.ops.health import ops_routes
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mythos_auth.metrics import (
    LOGINS,
    REFRESHES,
    REQUEST_SECONDS,
    REQUESTS,
    LoginOutcome,
    RefreshOutcome,
)

log = logging.getLogger("mythos_auth.outcomes")

SERVICE = "auth"
UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def login_outcome(outcome: LoginOutcome, *, user_id: str | None = None, **fields: str) -> None:
    """Count a login attempt and log it: the account id when known, never the username
    typed (it may be a password typed in the wrong field) nor any credential."""
    LOGINS.labels(outcome).inc()
    log.info("login %s", outcome, extra=_fields(outcome=outcome, user_id=user_id, **fields))


def refresh_outcome(outcome: RefreshOutcome, *, user_id: str | None = None) -> None:
    """Count a refresh and log it with the account id when known, never the token."""
    REFRESHES.labels(outcome).inc()
    log.info("refresh %s", outcome, extra=_fields(outcome=outcome, user_id=user_id))


def _fields(**fields: str | None) -> dict[str, str]:
    # An unknown id is left out rather than logged as null.
    return {key: value for key, value in fields.items() if value is not None}


def route_template(scope: Scope) -> str:
    """The path template the router matched (``/auth/login``), never the raw path, which
    any client could make unique per request."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class RequestMetrics:
    """Counts and times every HTTP request by route template, method and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server error middleware answers if nothing was sent

        async def observe_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe_status)
        except Exception:
            self._record(scope, status, started)
            raise
        self._record(scope, status, started)

    @staticmethod
    def _record(scope: Scope, status: int, started: float) -> None:
        # The router writes the matched route into the scope it was handed, which is
        # this same dict, so it is known here once the app has run.
        route = route_template(scope)
        method = scope["method"] if scope["method"] in _METHODS else "other"
        REQUESTS.labels(route, method, str(status)).inc()
        REQUEST_SECONDS.labels(route).observe(time.perf_counter() - started)


def add_observability(app: FastAPI) -> None:
    """Add the request metrics and the internal ops routes to ``app``."""

    async def database() -> None:
        # The engine exists only while the lifespan runs; before and after, not ready.
        resources = getattr(app.state, "auth", None)
        if resources is None:
            raise RuntimeError("auth is not started")
        await resources.store.ping()

    # ops_routes times each check out (2 s), so a hung database answers 503, not a hang.
    app.router.routes.extend(ops_routes(SERVICE, {"database": database}))
    app.add_middleware(RequestMetrics)
