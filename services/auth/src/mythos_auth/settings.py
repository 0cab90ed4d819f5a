"""Configuration of the auth service, read once from the environment (prefix ``AUTH_``)."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from pathlib import Path

from mythos_contracts.settings import SHARED_ENV, ServiceSettings
from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from mythos_auth.domain.sessions import RefreshPolicy

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///.data/auth.db"
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Access tokens cannot be revoked before they expire, so production refuses longer ones.
PRODUCTION_MAX_ACCESS_TOKEN_TTL_SECONDS = 3600
# What the process needs besides password hashing (interpreter, libraries, pools, caches;
# about 110 MiB resident after a burst of logins), with headroom. A container's memory
# limit must be at least this plus the hashing budget (``memory_limit_mib``).
PROCESS_MEMORY_MIB = 192


def parse_networks(text: str) -> tuple[IpNetwork, ...]:
    """``"127.0.0.1, ::1, 10.0.0.0/8"`` -> networks; a bare address is a one-address network."""
    return tuple(
        ipaddress.ip_network(item.strip(), strict=False) for item in text.split(",") if item.strip()
    )


def development_database_problem(url: str) -> str | None:
    """Why ``url`` is a database only fit for development, parsed rather than compared as
    text: the default SQLite file under any spelling (``sqlite:///./.data/auth.db``...),
    or an in-memory SQLite database. None for anything else."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None  # not a database URL at all: the engine says so at startup
    if parsed.get_backend_name().lower() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
        return "AUTH_DATABASE_URL is an in-memory SQLite database, lost at every restart"
    default = make_url(DEFAULT_DATABASE_URL).database or ""
    if Path(database).resolve() == Path(default).resolve():
        return (
            "AUTH_DATABASE_URL is the development default (a SQLite file under ./.data); "
            "set it explicitly"
        )
    return None


class AuthSettings(ServiceSettings):
    """Every knob of the service; construct once in ``main`` and pass it down explicitly.

    The shared fields (environment, broker, log lines, grace) come from the contract's
    ``ServiceSettings``. "production" refuses unsafe settings as they are read and never
    generates a signing key."""

    # Frozen so nothing can quietly change the configuration after startup.
    model_config = SettingsConfigDict(env_prefix="AUTH_", frozen=True)
    # Auth's mode follows MYTHOS_ENVIRONMENT like every service's (a shared "production"
    # must never leave auth generating its own key); only AUTH_AMQP_URL gives it a broker
    # (unset: none), and the queue type and declaring follow the shared MYTHOS_* names.
    shared_env = {
        name: SHARED_ENV[name] for name in ("environment", "amqp_queue_type", "amqp_declare")
    }

    host: str = "127.0.0.1"
    port: int = Field(default=54732, ge=1, le=65535)
    # Relative SQLite paths resolve against the working directory; the parent directory is
    # created at startup so a fresh checkout runs without any preparation.
    database_url: str = DEFAULT_DATABASE_URL

    # Signing keys. With ``key_dir`` unset, the single key in ``key_file`` signs (generated on
    # first start in development, mode 0600). With ``key_dir`` set, every ``*.pem`` in it is
    # published in the JWKS and the one whose file name sorts last (or ``active_kid``) signs.
    key_file: Path = Path(".data/auth_ed25519.pem")
    key_dir: Path | None = None
    active_kid: str | None = None

    access_token_ttl_seconds: int = Field(default=900, gt=0)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, gt=0)
    # A login ends this long after it began, however often it is refreshed.
    session_max_age_seconds: int = Field(default=90 * 24 * 3600, gt=0)
    # A used refresh token presented again this soon by the same client network is taken
    # for a retry after a lost response (a fresh pair), not for theft (a revoked login).
    refresh_retry_grace_seconds: float = Field(default=5.0, ge=0)
    issuer: str = "mythos-auth"
    audience: str = "mythos"

    # The broker (amqp_url, shared field), for revocations (published) and in-game bans
    # (consumed). Unset: no bus; revocations wait in the outbox (an access-token lifetime
    # at most) and sockets of a revoked login last until their token expires. Login never
    # waits for the broker. AUTH_AMQP_DECLARE=own declares only auth's request queue and
    # checks that the exchanges exist, for its own least-privilege broker user.

    # How often the outbox is read for revocations written by another process (the admin
    # CLI); the service's own ones are published at once.
    revocation_poll_seconds: float = Field(default=1.0, gt=0)
    # Larger request bodies are refused with 413 before they are read whole. The largest
    # valid body (a registration at every field's limit, all of it JSON-escaped) is ~5 KiB.
    max_body_bytes: int = Field(default=8192, ge=1024)
    # The Swagger UI at /docs; None: on in development, off in production.
    api_docs: bool | None = None

    # Registration refuses anyone without a valid, unexpired, unused invite code.
    require_invite: bool = False

    # Throttling (in-process, per instance). 0 turns a limit off (refused in production).
    login_per_ip_per_minute: int = Field(default=10, ge=0)
    register_per_ip_per_minute: int = Field(default=5, ge=0)
    # After this many consecutive failed logins for one username, each further failure locks
    # that username for base * 2**(failures - threshold) seconds, at most the maximum.
    login_lockout_threshold: int = Field(default=5, ge=0)
    login_lockout_base_seconds: float = Field(default=1.0, gt=0)
    login_lockout_max_seconds: float = Field(default=900.0, gt=0)
    # The lockout above is per username *and client network*, so nobody can keep someone
    # else locked out. This much higher ceiling counts attempts at one username from all
    # networks together, against guessing spread over many addresses.
    login_per_username_per_hour: int = Field(default=100, ge=0)

    # Each argon2id hash holds 64 MiB while it runs: this budget bounds how many run at once
    # (256 MiB: 4). Size the container's memory limit as PROCESS_MEMORY_MIB plus this.
    password_hash_memory_mib: int = Field(default=256, ge=64)
    # How long a login or registration waits for a free hashing slot before the answer is
    # 503 with Retry-After.
    password_hash_wait_seconds: float = Field(default=5.0, ge=0)

    # The client address for throttling comes from the TCP peer, or from X-Forwarded-For when
    # the peer is one of the trusted proxies (comma-separated addresses or CIDR networks).
    trust_forwarded_for: bool = True
    trusted_proxies: str = "127.0.0.1,::1"

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        try:
            parse_networks(value)
        except ValueError as exc:
            raise ValueError(f"AUTH_TRUSTED_PROXIES: {exc}") from exc
        return value

    @field_validator("active_kid")
    @classmethod
    def _blank_kid_is_none(cls, value: str | None) -> str | None:
        return value or None

    @property
    def trusted_proxy_networks(self) -> tuple[IpNetwork, ...]:
        return parse_networks(self.trusted_proxies) if self.trust_forwarded_for else ()

    @property
    def refresh_policy(self) -> RefreshPolicy:
        return RefreshPolicy(
            token_ttl=timedelta(seconds=self.refresh_token_ttl_seconds),
            session_max_age=timedelta(seconds=self.session_max_age_seconds),
            retry_grace=timedelta(seconds=self.refresh_retry_grace_seconds),
        )

    @property
    def memory_limit_mib(self) -> int:
        """The smallest safe container memory limit for these settings."""
        return PROCESS_MEMORY_MIB + self.password_hash_memory_mib

    @property
    def serves_api_docs(self) -> bool:
        return not self.is_production if self.api_docs is None else self.api_docs

    def extra_production_problems(self) -> list[str]:
        """Auth's own production rules. Only the settings themselves: the signing key's
        presence and file mode are checked when it is loaded."""
        problems: list[str] = []
        database_problem = development_database_problem(self.database_url)
        if database_problem is not None:
            problems.append(database_problem)
        for network in self.trusted_proxy_networks:
            if network.prefixlen == 0:
                problems.append(
                    f"AUTH_TRUSTED_PROXIES contains {network}, so any client could forge "
                    "X-Forwarded-For and escape the throttles; list the proxies' addresses"
                )
        for name in (
            "login_per_ip_per_minute",
            "register_per_ip_per_minute",
            "login_lockout_threshold",
            "login_per_username_per_hour",
        ):
            if getattr(self, name) == 0:
                problems.append(f"AUTH_{name.upper()} is 0, which turns that throttle off")
        if self.access_token_ttl_seconds > PRODUCTION_MAX_ACCESS_TOKEN_TTL_SECONDS:
            problems.append(
                f"AUTH_ACCESS_TOKEN_TTL_SECONDS is {self.access_token_ttl_seconds}; access "
                f"tokens cannot be revoked, so at most {PRODUCTION_MAX_ACCESS_TOKEN_TTL_SECONDS} "
                "is allowed"
            )
        return problems
