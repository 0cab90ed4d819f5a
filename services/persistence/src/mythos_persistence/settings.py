"""Configuration, read once from the environment at startup."""

from __future__ import annotations

from urllib.parse import urlsplit

from mythos_contracts.settings import SHARED_ENV, BusServiceSettings, GraceSeconds
from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

# Plain driver-less URLs (as most tooling and PaaS hand them out) are mapped to the
# async drivers this service uses, so operators need not know about SQLAlchemy.
_ASYNC_SCHEMES = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


class PersistenceSettings(BusServiceSettings):
    """The shared fields (environment, broker, log lines, grace) come from the contract's
    ``BusServiceSettings``, read as ``PERSISTENCE_<NAME>`` or their shared names."""

    model_config = SettingsConfigDict(env_prefix="PERSISTENCE_")
    # One shared .env or compose file may also give the database as plain DATABASE_URL;
    # the prefixed name wins when both are set.
    shared_env = {**SHARED_ENV, "database_url": "DATABASE_URL"}

    database_url: str = "sqlite+aiosqlite:///.data/game.db"
    health_host: str = "127.0.0.1"
    health_port: int = 54736
    shutdown_grace_seconds: GraceSeconds = 5.0
    # Backoff of writes (and of the first broker connection) while a dependency is down.
    retry_initial_seconds: float = Field(default=0.5, gt=0)
    retry_max_seconds: float = Field(default=10.0, gt=0)
    # Chat history: lines kept per scope (global, each sub-zone); older ones are pruned.
    chat_lines_kept: int = Field(default=500, ge=1)

    @field_validator("database_url")
    @classmethod
    def _use_async_driver(cls, url: str) -> str:
        scheme, sep, rest = url.partition("://")
        if not sep:
            raise ValueError(f"database_url {url!r} is not a URL")
        return f"{_ASYNC_SCHEMES.get(scheme, scheme)}://{rest}"

    def extra_production_problems(self) -> list[str]:
        if urlsplit(self.database_url).scheme.split("+")[0] == "sqlite":
            return [f"{self.variable('database_url')} is the local SQLite default"]
        return []
