"""FastAPI dependencies that hand out what the lifespan put on ``app.state``."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from mythos_auth.adapters.account_store import SqlAccountStore
from mythos_auth.adapters.password_hasher import Argon2PasswordHasher
from mythos_auth.adapters.tokens import TokenIssuer


@dataclass(frozen=True)
class AuthResources:
    """Everything the lifespan opened; one instance per running app."""

    store: SqlAccountStore
    hasher: Argon2PasswordHasher
    tokens: TokenIssuer


def get_resources(request: Request) -> AuthResources:
    # request.app is the auth app itself even when it is mounted inside a bigger app,
    # because Starlette sets scope["app"] on entry to each application.
    resources: AuthResources | None = getattr(request.app.state, "auth", None)
    if resources is None:
        raise RuntimeError("auth app used before its lifespan started")
    return resources


def get_store(request: Request) -> SqlAccountStore:
    return get_resources(request).store


def get_hasher(request: Request) -> Argon2PasswordHasher:
    return get_resources(request).hasher


def get_tokens(request: Request) -> TokenIssuer:
    return get_resources(request).tokens
