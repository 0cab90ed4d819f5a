"""FastAPI dependencies that hand out what the lifespan put on ``app.state``."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from mythos_auth.adapters.tokens import TokenIssuer
from mythos_auth.clock import Clock
from mythos_auth.domain.throttling import ExponentialLockout, SlidingWindowLimit
from mythos_auth.entrypoints.client_address import client_address, throttle_key
from mythos_auth.service_layer.login import Login, LoginThrottles
from mythos_auth.service_layer.ports import (
    AccountStore,
    InviteLookup,
    RevocationOutbox,
    SessionStore,
    SlottedPasswordHasher,
)
from mythos_auth.service_layer.sessions import Sessions
from mythos_auth.settings import AuthSettings, IpNetwork

MINUTE = 60.0
HOUR = 3600.0


@dataclass(frozen=True)
class Throttles:
    """Per-instance throttles (see docs/security.md for why in-process is enough here)."""

    login: LoginThrottles
    register_per_address: SlidingWindowLimit

    @classmethod
    def from_settings(cls, settings: AuthSettings, clock: Clock) -> Throttles:
        return cls(
            login=LoginThrottles(
                per_address=SlidingWindowLimit(
                    settings.login_per_ip_per_minute, MINUTE, clock.monotonic
                ),
                per_name_and_network=ExponentialLockout(
                    settings.login_lockout_threshold,
                    settings.login_lockout_base_seconds,
                    settings.login_lockout_max_seconds,
                    clock.monotonic,
                ),
                per_username=SlidingWindowLimit(
                    settings.login_per_username_per_hour, HOUR, clock.monotonic
                ),
            ),
            register_per_address=SlidingWindowLimit(
                settings.register_per_ip_per_minute, MINUTE, clock.monotonic
            ),
        )


@dataclass(frozen=True)
class AuthResources:
    """Everything the service opened, typed by the ports the routes use; one instance per
    running app (``bootstrap.AuthService`` builds it from the adapters)."""

    store: AccountStore
    hasher: SlottedPasswordHasher
    tokens: TokenIssuer
    sessions: Sessions
    account_bus: RevocationOutbox
    login: Login
    session_store: SessionStore
    invites: InviteLookup
    throttles: Throttles
    clock: Clock
    require_invite: bool
    trusted_proxies: tuple[IpNetwork, ...]

    def client_key(self, request: Request) -> str:
        """The throttling key of the request's client (see ``client_address``)."""
        peer = request.client.host if request.client else None
        forwarded = request.headers.getlist("x-forwarded-for")
        return throttle_key(client_address(peer, forwarded, self.trusted_proxies))


def get_resources(request: Request) -> AuthResources:
    # request.app is the auth app itself even when it is mounted inside a bigger app,
    # because Starlette sets scope["app"] on entry to each application.
    resources: AuthResources | None = getattr(request.app.state, "auth", None)
    if resources is None:
        raise RuntimeError("auth app used before its lifespan started")
    return resources
