"""The routes of the auth API under ``/auth``; ``api.create_app`` mounts them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mythos_auth.adapters.tokens import AccessClaims
from mythos_auth.domain.accounts import (
    AccountBarred,
    AccountRuleViolation,
    InvalidCredentials,
    UsernameTaken,
    check_new_account,
)
from mythos_auth.domain.sessions import (
    InvalidAccessToken,
    InvalidRefreshToken,
    InviteRejected,
    RefreshTokenReused,
)
from mythos_auth.domain.throttling import retry_after_seconds
from mythos_auth.entrypoints.dependencies import AuthResources, get_resources
from mythos_auth.entrypoints.errors import Throttled
from mythos_auth.entrypoints.observability import login_outcome, refresh_outcome
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
    busy,
    error,
    throttled,
    too_large,
    unauthorized,
)
from mythos_auth.service_layer import accounts
from mythos_auth.service_layer.login import LoginBarred, LoginThrottled
from mythos_auth.service_layer.ports import HashingBusy
from mythos_auth.service_layer.sessions import TokenPair

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
        413: too_large(),
        422: error("The username or password breaks a rule, or the body is malformed."),
        429: throttled(
            "Too many registrations from this address (AUTH_REGISTER_PER_IP_PER_MINUTE)."
        ),
        503: busy(),
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
        413: too_large(),
        422: error("The body is malformed."),
        429: throttled(
            "Too many login attempts from this address (AUTH_LOGIN_PER_IP_PER_MINUTE), too "
            "many consecutive failures for this username from this address (exponential "
            "lockout), or too many attempts at this username from all addresses "
            "(AUTH_LOGIN_PER_USERNAME_PER_HOUR)."
        ),
        503: busy(),
    },
)
async def login(
    body: LoginRequest, request: Request, response: Response, res: Resources
) -> TokenResponse:
    """Exchange a username and password for an access token and a refresh token."""
    try:
        pair = await res.login(body.username, body.password, res.client_key(request))
    except LoginThrottled as exc:
        login_outcome("throttled", limit=exc.limit)
        raise _throttled(exc.wait, exc.reason) from exc
    except HashingBusy:
        login_outcome("busy")
        raise
    except InvalidCredentials as exc:
        login_outcome("bad_credentials")
        raise _unauthorized(INVALID_CREDENTIALS) from exc
    except LoginBarred as exc:
        login_outcome("barred", user_id=exc.account_id)
        raise HTTPException(status.HTTP_403_FORBIDDEN, exc.reason) from exc
    login_outcome("ok", user_id=pair.account_id, session_id=pair.session_id)
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
        413: too_large(),
        422: error("The body is malformed."),
    },
)
async def refresh(
    body: RefreshRequest, request: Request, response: Response, res: Resources
) -> TokenResponse:
    """Exchange a refresh token (once) for a new access token and a new refresh token.

    Presented again within AUTH_REFRESH_RETRY_GRACE_SECONDS from the same client network
    (a retry after a lost response), it returns a new pair instead, and the pair the lost
    response carried stops working.
    """
    try:
        pair = await res.sessions.refresh(
            body.refresh_token, res.clock.now(), res.client_key(request)
        )
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
        413: too_large(),
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
