"""The HTTP API of the auth service.

All I/O setup (database, migrations, signing key) happens in the lifespan, so a host process
may mount this app and drive ``app.router.lifespan_context(app)`` itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Response, status
from fastapi.exceptions import RequestValidationError

from mythos_auth.adapters.account_store import SqlAccountStore
from mythos_auth.adapters.database import (
    async_database_url,
    create_engine,
    ensure_sqlite_directory,
)
from mythos_auth.adapters.migrations import upgrade_to_head
from mythos_auth.adapters.password_hasher import Argon2PasswordHasher
from mythos_auth.adapters.signing_keys import load_or_create_signing_key
from mythos_auth.adapters.tokens import TokenIssuer
from mythos_auth.domain.accounts import AccountRuleViolation, InvalidCredentials, UsernameTaken
from mythos_auth.entrypoints.dependencies import (
    AuthResources,
    get_hasher,
    get_store,
    get_tokens,
)
from mythos_auth.entrypoints.errors import readable_validation_error
from mythos_auth.entrypoints.schemas import (
    Credentials,
    HealthResponse,
    Jwks,
    RegisterResponse,
    TokenResponse,
    error,
)
from mythos_auth.service_layer import accounts
from mythos_auth.settings import AuthSettings

log = logging.getLogger(__name__)

INVALID_CREDENTIALS = "invalid username or password"
# Long enough for a healthy database, short enough for container health checks.
HEALTH_TIMEOUT_SECONDS = 3.0

Store = Annotated[SqlAccountStore, Depends(get_store)]
Hasher = Annotated[Argon2PasswordHasher, Depends(get_hasher)]
Tokens = Annotated[TokenIssuer, Depends(get_tokens)]

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses={
        409: error("The username is taken (compared case-insensitively)."),
        422: error("The username or password breaks a rule, or the body is malformed."),
    },
)
async def register(body: Credentials, store: Store, hasher: Hasher) -> RegisterResponse:
    """Create an account."""
    try:
        account = await accounts.register(store, hasher, body.username, body.password)
    except AccountRuleViolation as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.reason) from exc
    except UsernameTaken as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, "username is taken") from exc
    return RegisterResponse(user_id=account.id, username=account.username)


@router.post(
    "/login",
    responses={
        401: error("Wrong username or password; which one is never said."),
        422: error("The body is malformed."),
    },
)
async def login(
    body: Credentials, store: Store, hasher: Hasher, tokens: Tokens, response: Response
) -> TokenResponse:
    """Exchange a username and password for a signed access token."""
    try:
        account = await accounts.authenticate(store, hasher, body.username, body.password)
    except InvalidCredentials as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            INVALID_CREDENTIALS,
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc
    issued = tokens.issue(account)
    # Tokens are credentials: keep them out of any cache (RFC 6749 section 5.1).
    response.headers["Cache-Control"] = "no-store"
    return TokenResponse(access_token=issued.token, expires_in=issued.expires_in)


@router.get("/.well-known/jwks.json")
async def jwks(tokens: Tokens, response: Response) -> Jwks:
    """Public keys for verifying access tokens offline; match a token's ``kid`` header."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return Jwks.model_validate(tokens.jwks())


@router.get(
    "/healthz",
    responses={503: {"model": HealthResponse, "description": "The database is unreachable."}},
)
async def healthz(store: Store, response: Response) -> HealthResponse:
    """Liveness and readiness: the service is up and its database answers."""
    try:
        await asyncio.wait_for(store.ping(), HEALTH_TIMEOUT_SECONDS)
    except Exception as exc:
        log.warning("health check: database unreachable: %r", exc)
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return HealthResponse(status="unavailable", database="unreachable")
    return HealthResponse(status="ok", database="ok")


def create_app(settings: AuthSettings) -> FastAPI:
    """Build the app; nothing touches the disk, network or database until the lifespan runs."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database_url = async_database_url(settings.database_url)
        await asyncio.to_thread(ensure_sqlite_directory, database_url)
        await upgrade_to_head(database_url)
        key = await asyncio.to_thread(load_or_create_signing_key, settings.key_file)
        hasher = await Argon2PasswordHasher.create()
        engine = create_engine(database_url)
        try:
            app.state.auth = AuthResources(
                store=SqlAccountStore(engine),
                hasher=hasher,
                tokens=TokenIssuer(
                    key,
                    issuer=settings.issuer,
                    audience=settings.audience,
                    ttl_seconds=settings.access_token_ttl_seconds,
                ),
            )
            log.info("auth ready (signing key %s)", key.kid)
            yield
        finally:
            app.state.auth = None
            await engine.dispose()

    app = FastAPI(
        title="Mythos auth",
        summary="Accounts, login and Ed25519-signed access tokens.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/auth/openapi.json",
        redoc_url=None,
    )
    app.add_exception_handler(RequestValidationError, readable_validation_error)
    app.include_router(router)
    return app
