"""Pydantic models at the HTTP boundary; the wire format lives here and nowhere else."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from mythos_auth.domain.accounts import (
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    USERNAME_PATTERN,
    USERNAME_RULE,
    Role,
)

# Hard caps on what the boundary accepts at all, above every rule (usernames 3-20
# characters, passwords 8-256): longer input is refused with 422 before any database lookup
# or hashing. Registration words its own, tighter, rules itself.
USERNAME_FIELD_MAX = 64
PASSWORD_FIELD_MAX = 1024
INVITE_CODE_MAX = 256
REFRESH_TOKEN_MAX = 512


def _at_most(limit: int) -> AfterValidator:
    """``max_length`` without its side effect: a constrained str makes pydantic refuse a
    lone surrogate while parsing, before the domain can answer it readably (registration)
    or as a failed login."""

    def check(value: str) -> str:
        if len(value) > limit:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": limit},
            )
        return value

    return AfterValidator(check)


Username = Annotated[str, _at_most(USERNAME_FIELD_MAX)]
Password = Annotated[str, _at_most(PASSWORD_FIELD_MAX)]


class Credentials(BaseModel):
    """Body of login. Rules are checked by the domain, which words them better."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"username": "Armitage", "password": "necronomicon"}]}
    )

    username: Username = Field(json_schema_extra={"maxLength": USERNAME_FIELD_MAX})
    # repr=False keeps the password out of logs and tracebacks.
    password: Password = Field(repr=False, json_schema_extra={"maxLength": PASSWORD_FIELD_MAX})


class Registration(BaseModel):
    """Body of register.

    The schema states the username and password rules so clients (and API fuzzers) know
    them; the domain checks them, to answer with one readable reason.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"username": "Armitage", "password": "necronomicon"},
                {
                    "username": "Armitage",
                    "password": "necronomicon",
                    "invite_code": "q5Zc1x3mJ0a7s8dHkP2wYw",
                },
            ]
        }
    )

    username: Username = Field(
        description=USERNAME_RULE,
        json_schema_extra={
            "pattern": f"^{USERNAME_PATTERN.pattern}$",
            "minLength": 3,
            "maxLength": 20,
        },
    )
    password: Password = Field(
        repr=False,
        description=f"{PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters.",
        json_schema_extra={"minLength": PASSWORD_MIN_LENGTH, "maxLength": PASSWORD_MAX_LENGTH},
    )
    invite_code: str | None = Field(
        default=None,
        repr=False,
        max_length=INVITE_CODE_MAX,
        description="Required when the server runs with AUTH_REQUIRE_INVITE=true; "
        "ignored otherwise. Single use.",
    )


class RegisterResponse(BaseModel):
    user_id: str
    username: str


class TokenResponse(BaseModel):
    access_token: str = Field(description="EdDSA-signed JWT; send as 'Authorization: Bearer'.")
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str = Field(
        description="Opaque; exchange it once at POST /auth/refresh for a new pair. "
        "Using it a second time revokes this login everywhere."
    )
    refresh_expires_in: int = Field(description="Seconds until the refresh token expires.")


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=REFRESH_TOKEN_MAX, repr=False)


class LogoutRequest(BaseModel):
    refresh_token: str | None = Field(default=None, max_length=REFRESH_TOKEN_MAX, repr=False)


class MeResponse(BaseModel):
    user_id: str
    username: str
    role: Role


class Jwks(BaseModel):
    keys: list[dict[str, Any]] = Field(
        description="Public JWKs (OKP / Ed25519): the signing key first, then older keys "
        "whose tokens may still be valid."
    )


class HealthResponse(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]


class ErrorResponse(BaseModel):
    detail: str = Field(description="A readable reason.")


class ThrottledResponse(BaseModel):
    detail: str = Field(description="A readable reason, naming the wait.")
    retry_after: int = Field(description="Seconds to wait; the same as the Retry-After header.")


def error(description: str, **extra: Any) -> dict[str, Any]:
    """An OpenAPI response entry for an ``{"detail": ...}`` error."""
    return {"model": ErrorResponse, "description": description, **extra}


def unauthorized(description: str) -> dict[str, Any]:
    """A 401 entry: ``{"detail": ...}`` plus the ``WWW-Authenticate: Bearer`` challenge."""
    return error(
        description,
        headers={
            "WWW-Authenticate": {
                "description": "Always 'Bearer'.",
                "schema": {"type": "string"},
                "required": True,
            }
        },
    )


def too_large() -> dict[str, Any]:
    """The 413 entry of every endpoint with a body."""
    return error("The body is larger than AUTH_MAX_BODY_BYTES (default 8192 bytes).")


def busy() -> dict[str, Any]:
    """The 503 entry of the endpoints that hash passwords."""
    return throttled(
        "Every password-hashing slot stayed taken for AUTH_PASSWORD_HASH_WAIT_SECONDS "
        "(each argon2id hash holds 64 MiB, so only so many run at once); retry after the wait."
    )


def throttled(description: str) -> dict[str, Any]:
    """A 429 (or 503) entry with its ``Retry-After`` header."""
    return {
        "model": ThrottledResponse,
        "description": description,
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer", "minimum": 1},
                "required": True,
            }
        },
    }
