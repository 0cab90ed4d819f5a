"""Configuration, read once from the environment at startup."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from mythos_contracts.bus.access import Declare
from mythos_contracts.bus.amqp import QueueType
from mythos_contracts.ops.log_lines import LogFormat, LogLevel
from mythos_contracts.ops.urls import uses_default_amqp_account
from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Plain driver-less URLs (as most tooling and PaaS hand them out) are mapped to the
# async drivers this service uses, so operators need not know about SQLAlchemy.
_ASYNC_SCHEMES = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


class PersistenceSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PERSISTENCE_", extra="ignore", populate_by_name=True
    )

    environment: Literal["development", "production"] = Field(
        default="development",
        validation_alias=AliasChoices("PERSISTENCE_ENVIRONMENT", "MYTHOS_ENVIRONMENT"),
        description="production refuses to start on default credentials or local defaults",
    )

    # The unprefixed names are accepted too so one shared .env/compose file can
    # configure every service; the prefixed name wins when both are set.
    amqp_url: str = Field(
        default="amqp://guest:guest@127.0.0.1:5672/",
        validation_alias=AliasChoices("PERSISTENCE_AMQP_URL", "AMQP_URL", "amqp_url"),
    )
    amqp_queue_type: QueueType = Field(
        default="classic",
        validation_alias=AliasChoices("PERSISTENCE_AMQP_QUEUE_TYPE", "MYTHOS_AMQP_QUEUE_TYPE"),
        description="quorum on a RabbitMQ cluster (replicated queues); the same for every "
        "service of a vhost",
    )
    amqp_declare: Declare = Field(
        default="all",
        validation_alias=AliasChoices("PERSISTENCE_AMQP_DECLARE", "MYTHOS_AMQP_DECLARE"),
        description="own: declare only this service's queues, the exchanges must exist "
        "(a least-privilege broker user); all: declare everything (development)",
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///.data/game.db",
        validation_alias=AliasChoices("PERSISTENCE_DATABASE_URL", "DATABASE_URL", "database_url"),
    )
    # One JSON object per line for log pipelines; "text" for a developer's terminal.
    log_level: LogLevel = "INFO"
    log_format: LogFormat = "json"
    health_host: str = "127.0.0.1"
    health_port: int = 54736
    # Backoff of writes (and of the first broker connection) while a dependency is down.
    shutdown_grace_seconds: float = Field(
        default=5.0, gt=0, description="on SIGTERM, how long the work in hand may take"
    )
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

    @model_validator(mode="after")
    def _safe_for_production(self) -> PersistenceSettings:
        """In production, refuse defaults that only make sense on a developer's machine."""
        if self.environment != "production":
            return self
        problems = [
            "the broker URL uses the default guest account"
            if uses_default_amqp_account(self.amqp_url)
            else "",
            "the database is the local SQLite default"
            if urlsplit(self.database_url).scheme.split("+")[0] == "sqlite"
            else "",
        ]
        problems = [p for p in problems if p]
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self
