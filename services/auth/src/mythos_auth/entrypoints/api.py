"""The HTTP API of the auth service.

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
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
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
from mythos_auth.adapters.password_hasher import Argon2PasswordHasher
from mythos_auth.adapters.revocation_outbox import SqlRevocationOutbox
from mythos_auth.adapters.session_store import SqlInviteStore, SqlSessionStore
from mythos_auth.adapters.signing_keys import load_key_ring
from mythos_auth.adapters.tokens import AccessClaims, TokenIssuer
from mythos_auth.clock import Clock, SystemClock
from mythos_auth.domain.accounts import (
    AccountBarred,
    AccountRuleViolation,
    InvalidCredentials,
    UsernameTaken,
    canonical_username,
    check_new_account,
    is_valid_username,
)
from mythos_auth.domain.sessions import (
    InvalidAccessToken,
    InvalidRefreshToken,
    InviteRejected,
    RefreshTokenReused,
)
from mythos_auth.domain.throttling import retry_after_seconds
from mythos_auth.entrypoints.account_bus import AccountBus
from mythos_auth.entrypoints.dependencies import AuthResources, Throttles, get_resources
from mythos_auth.entrypoints.errors import (
    Throttled,
    http_error,
    readable_validation_error,
    throttled_response,
)
from mythos_auth.entrypoints.housekeeping import purge_expired, purge_expired_periodically
from mythos_auth.entrypoints.observability import add_observability, login_outcome, refresh_outcome
from mythos_auth.entrypoints.openapi import dedupe_security_requirements
from mythos_auth.entrypoints.schemas import Credentials as LoginRequest
from mythos_auth.entrypoints.schemas import (
    HealthResponse,
    Jwks,
    LogoutRequest,
    MeResponse,
    RefreshRequest,
    RegisterResponse,
    Registration,
    TokenResponse,
    error,
    throttled,
    unauthorized,
)
from mythos_auth.service_layer import accounts
from mythos_auth.service_layer.sessions import Sessions, TokenPair
from mythos_auth.settings import AuthSettings

log = logging.getLogger(__name__)

INVALID_CREDENTIALS = "invalid username or password"
# Long enough for a healthy database, short enough for container health checks.
HEALTH_TIMEOUT_SECONDS = 3.0
BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}
NO_STORE = "no-store"

Resources = Annotated[AuthResources, Depends(get_resources)]
# auto_error=False: a missing or non-Bearer Authorization header arrives as None, and the
# endpoint answers with its own documented 401.
Bearer = Annotated[
    HTTPAuthorizationCredentials | None,
    Depends(HTTPBearer(auto_error=False, description="An access token from login or refresh.")),
]

router = APIRouter(prefix="/auth", tags=["auth"])


class UnsafeConfiguration(RuntimeError):
    """Production mode found settings it will not run with."""


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers=BEARER_CHALLENGE)


def _throttled(wait: float, what: str) -> Throttled:
    seconds = retry_after_seconds(wait)
    return Throttled(seconds, f"{what}; try again in {seconds} s")


def _token_response(pair: TokenPair, response: Response) -> TokenResponse:
    # Tokens are credentials: keep them out of any cache (RFC 6749 section 5.1).
    response.headers["Cache-Control"] = NO_STORE
    return TokenResponse(
        access_token=pair.access.token,
        expires_in=pair.access.expires_in,
        refresh_token=pair.refresh_token,
        refresh_expires_in=pair.refresh_expires_in,
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses={
        403: error(
            "Invites are required (AUTH_REQUIRE_INVITE=true) and the invite code is missing, "
            "unknown, expired or already used; the detail says which."
        ),
        409: error("The username is taken (compared case-insensitively)."),
        422: error("The username or password breaks a rule, or the body is malformed."),
        429: throttled(
            "Too many registrations from this address (AUTH_REGISTER_PER_IP_PER_MINUTE)."
        ),
    },
)
async def register(body: Registration, request: Request, res: Resources) -> RegisterResponse:
    """Create an account (role ``player``).

    Attempts that pass the username and password rules count towards the per-address limit.
    """
    client = res.client_key(request)
    wait = res.throttles.register_per_address.retry_after(client)
    if wait is not None:
        raise _throttled(wait, "too many registrations from your address")
    try:
        check_new_account(body.username, body.password)
    except AccountRuleViolation as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.reason) from exc
    res.throttles.register_per_address.hit(client)
    try:
        account = await accounts.register(
            res.store,
            res.hasher,
            body.username,
            body.password,
            invites=res.invites if res.require_invite else None,
            invite_code=body.invite_code,
            now=res.clock.now(),
        )
    except AccountRuleViolation as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.reason) from exc
    except InviteRejected as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, exc.reason) from exc
    except UsernameTaken as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, "username is taken") from exc
    return RegisterResponse(user_id=account.id, username=account.username)


@router.post(
    "/login",
    responses={
        401: unauthorized("Wrong username or password; which one is never said."),
        403: error(
            "The account is banned (the detail says until when) or disabled; said only to "
            "whoever gave its password."
        ),
        422: error("The body is malformed."),
        429: throttled(
            "Too many login attempts from this address (AUTH_LOGIN_PER_IP_PER_MINUTE), or too "
            "many consecutive failures for this username (exponential lockout)."
        ),
    },
)
async def login(
    body: LoginRequest, request: Request, response: Response, res: Resources
) -> TokenResponse:
    """Exchange a username and password for an access token and a refresh token."""
    throttles = res.throttles
    wait = throttles.login_per_address.acquire(res.client_key(request))
    if wait is not None:
        login_outcome("throttled", limit="address")
        raise _throttled(wait, "too many login attempts from your address")
    # Locked by name whether or not the account exists, so a lockout reveals nothing.
    # Names that could never exist cannot log in, and are not worth remembering.
    name = canonical_username(body.username) if is_valid_username(body.username) else None
    if name is not None:
        wait = throttles.login_per_username.retry_after(name)
        if wait is not None:
            login_outcome("throttled", limit="username")
            raise _throttled(wait, "too many failed logins for this username")
        throttles.login_per_username.begin(name)
    try:
        account = await accounts.authenticate(res.store, res.hasher, body.username, body.password)
    except InvalidCredentials as exc:
        login_outcome("bad_credentials")
        if name is not None and throttles.login_per_username.retry_after(name) is not None:
            log.warning(
                "login lockout for username %r after %d consecutive failures",
                name,
                throttles.login_per_username.failures(name),
            )
        raise _unauthorized(INVALID_CREDENTIALS) from exc
    if name is not None:
        throttles.login_per_username.succeeded(name)
    try:
        account.check_not_barred(res.clock.now())
    except AccountBarred as exc:
        login_outcome("barred", user_id=account.id)
        raise HTTPException(status.HTTP_403_FORBIDDEN, exc.reason) from exc
    pair = await res.sessions.start(account, res.clock.now())
    login_outcome("ok", user_id=account.id, session_id=pair.session_id)
    return _token_response(pair, response)


@router.post(
    "/refresh",
    responses={
        401: unauthorized(
            "The refresh token is unknown, expired or revoked, or was already used: reuse "
            "revokes the whole login (every token rotated from it)."
        ),
        403: error(
            "The account is banned (the detail says until when) or disabled; the login is revoked."
        ),
        422: error("The body is malformed."),
    },
)
async def refresh(body: RefreshRequest, response: Response, res: Resources) -> TokenResponse:
    """Exchange a refresh token (once) for a new access token and a new refresh token."""
    try:
        pair = await res.sessions.refresh(body.refresh_token, res.clock.now())
    except RefreshTokenReused as exc:
        refresh_outcome("reused", user_id=exc.account_id)
        raise _unauthorized(exc.reason) from exc
    except AccountBarred as exc:
        refresh_outcome("barred")
        raise HTTPException(status.HTTP_403_FORBIDDEN, exc.reason) from exc
    except InvalidRefreshToken as exc:
        refresh_outcome("invalid")
        raise _unauthorized(exc.reason) from exc
    refresh_outcome("ok", user_id=pair.account_id)
    return _token_response(pair, response)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={
        401: unauthorized("Neither a known refresh token nor a valid access token was sent."),
        422: error("The body is malformed."),
    },
    # The bearer token is optional here: a refresh token in the body is enough.
    openapi_extra={"security": [{"HTTPBearer": []}, {}]},
)
async def logout(res: Resources, bearer: Bearer, body: LogoutRequest | None = None) -> Response:
    """End a login: revoke the refresh-token family named by the body's refresh token and/or
    the session of the bearer access token. Idempotent.

    Access tokens already issued stay valid until they expire (at most
    AUTH_ACCESS_TOKEN_TTL_SECONDS); /auth/me refuses them at once.
    """
    now = res.clock.now()
    claims: AccessClaims | None = None
    if bearer is not None:
        with contextlib.suppress(InvalidAccessToken):
            claims = res.tokens.verify(bearer.credentials, now)
    refresh_token = body.refresh_token if body is not None else None
    if not await res.sessions.logout(refresh_token, claims, now):
        raise _unauthorized("nothing to log out: send a valid refresh token or access token")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/me",
    responses={
        401: unauthorized(
            "The bearer access token is missing, malformed, forged or expired, its login "
            "has been logged out, or the account is banned or disabled."
        ),
    },
)
async def me(res: Resources, bearer: Bearer, response: Response) -> MeResponse:
    """The account behind the bearer access token, with its current name and role."""
    if bearer is None:
        raise _unauthorized("an 'Authorization: Bearer <access token>' header is required")
    try:
        now = res.clock.now()
        claims = res.tokens.verify(bearer.credentials, now)
        account = await res.sessions.current_account(claims, now)
    except InvalidAccessToken as exc:
        raise _unauthorized(exc.reason) from exc
    response.headers["Cache-Control"] = NO_STORE
    return MeResponse(user_id=account.id, username=account.username, role=account.role)


@router.get("/.well-known/jwks.json")
async def jwks(res: Resources, response: Response) -> Jwks:
    """Public keys for verifying access tokens offline; match a token's ``kid`` header."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return Jwks.model_validate(res.tokens.jwks())


@router.get(
    "/healthz",
    responses={503: {"model": HealthResponse, "description": "The database is unreachable."}},
)
async def healthz(res: Resources, response: Response) -> HealthResponse:
    """Liveness and readiness: the service is up and its database answers."""
    try:
        await asyncio.wait_for(res.store.ping(), HEALTH_TIMEOUT_SECONDS)
    except Exception as exc:
        log.warning("health check: database unreachable: %r", exc)
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return HealthResponse(status="unavailable", database="unreachable")
    return HealthResponse(status="ok", database="ok")


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
        hasher = await Argon2PasswordHasher.create()
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
        try:
            app.state.auth = AuthResources(
                store=store,
                hasher=hasher,
                tokens=tokens,
                sessions=Sessions(
                    store,
                    session_store,
                    tokens,
                    settings.refresh_token_ttl_seconds,
                    outbox=account_bus,
                ),
                account_bus=account_bus,
                session_store=session_store,
                invites=SqlInviteStore(engine),
                throttles=Throttles.from_settings(settings, service_clock),
                clock=service_clock,
                require_invite=settings.require_invite,
                trusted_proxies=settings.trusted_proxy_networks,
            )
            log.info(
                "auth ready (%s; signing key %s of %d published%s)",
                settings.environment,
                keys.active.kid,
                len(keys.keys),
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

    app = FastAPI(
        title="Mythos auth",
        summary="Accounts, login, sessions and Ed25519-signed access tokens.",
        version="0.2.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/auth/openapi.json",
        redoc_url=None,
    )
    app.add_exception_handler(RequestValidationError, readable_validation_error)
    app.add_exception_handler(Throttled, throttled_response)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.include_router(router)
    add_observability(app)
    dedupe_security_requirements(app)
    return app
