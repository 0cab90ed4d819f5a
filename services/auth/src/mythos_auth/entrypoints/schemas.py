"""Pydantic models at the HTTP boundary; the wire format lives here and nowhere else."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Credentials(BaseModel):
    """Body of register and login. Rules are checked by the domain, which words them better."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"username": "Armitage", "password": "necronomicon"}]}
    )

    username: str
    # repr=False keeps the password out of logs and tracebacks.
    password: str = Field(repr=False)


class RegisterResponse(BaseModel):
    user_id: str
    username: str


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")


class Jwks(BaseModel):
    keys: list[dict[str, Any]] = Field(description="Public JWKs (OKP / Ed25519).")


class HealthResponse(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]


class ErrorResponse(BaseModel):
    detail: str = Field(description="A readable reason.")


def error(description: str) -> dict[str, Any]:
    """An OpenAPI response entry for an ``{"detail": ...}`` error."""
    return {"model": ErrorResponse, "description": description}
