"""The settings every service shares, declared once, and the one production check.

Each service's settings class derives from ``ServiceSettings`` (or ``BusServiceSettings``
when it cannot run without the broker), names its prefix (``env_prefix``) and adds its
own fields, and its own production rules in ``extra_production_problems``.

Environment names: a field is read from ``<PREFIX><NAME>`` (``GAME_AMQP_URL``); when that
is unset, from its shared name in ``shared_env`` (``AMQP_URL``, ``MYTHOS_ENVIRONMENT``,
``MYTHOS_AMQP_QUEUE_TYPE``, ``MYTHOS_AMQP_DECLARE``), so one ``.env`` or ConfigMap can
configure every service while each service's own name still wins.

Production: with ``environment="production"`` the settings are refused as they are read
when ``production_problems()`` finds anything (the shared rules, then the service's),
with ``UnsafeSettings`` naming each problem by its variable, never its value (values may
hold credentials). ``run_service`` logs that as one line and exits with status 2, before
the broker or a database is touched.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import Field, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from mythos_contracts.bus.access import Declare
from mythos_contracts.bus.amqp import QueueType
from mythos_contracts.ops.log_lines import LogFormat, LogLevel
from mythos_contracts.ops.urls import uses_default_amqp_account

Environment = Literal["development", "production"]
# A positive number of seconds; each service may give its own default.
GraceSeconds = Annotated[float, Field(gt=0)]
# RabbitMQ's default account on this machine: fine for development, refused in production.
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
SHARED_ENV: Mapping[str, str] = {
    "environment": "MYTHOS_ENVIRONMENT",
    "amqp_url": "AMQP_URL",
    "amqp_queue_type": "MYTHOS_AMQP_QUEUE_TYPE",
    "amqp_declare": "MYTHOS_AMQP_DECLARE",
    "cpu_profile_dir": "MYTHOS_CPU_PROFILE_DIR",
}


class UnsafeSettings(ValueError):
    """Production settings refused; ``problems`` names each one.

    A ``ValueError``, so reading the settings raises it inside pydantic's
    ``ValidationError`` (``UnsafeSettings.within`` finds it there again)."""

    def __init__(self, settings: ServiceSettings, problems: Sequence[str]) -> None:
        self.settings = settings
        self.problems = tuple(problems)
        super().__init__(
            f"refusing to start with {settings.variable('environment')}=production: "
            + "; ".join(self.problems)
        )

    @classmethod
    def within(cls, error: ValidationError) -> UnsafeSettings | None:
        for detail in error.errors():
            found = detail.get("ctx", {}).get("error")
            if isinstance(found, cls):
                return found
        return None


class _SharedNames(PydanticBaseSettingsSource):
    """The shared names of ``shared_env``, read only where the prefixed name is unset
    (this source ranks below the service's own environment). Case-insensitive, like the
    prefixed names."""

    def __init__(self, settings_cls: type[BaseSettings], names: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self._names = names

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads every name at once

    def __call__(self) -> dict[str, Any]:
        environment = {name.lower(): value for name, value in os.environ.items()}
        return {
            field: environment[name.lower()]
            for field, name in self._names.items()
            if name.lower() in environment
        }


class ServiceSettings(BaseSettings):
    """What every service reads: its mode, the broker, log lines and shutdown grace.

    The broker is optional here (``amqp_url`` None: no bus); ``BusServiceSettings``
    makes it required, with a development default."""

    model_config = SettingsConfigDict(extra="ignore")
    # Field -> its shared environment name, read when the prefixed one is unset.
    shared_env: ClassVar[Mapping[str, str]] = SHARED_ENV

    environment: Environment = Field(
        default="development",
        description="production refuses to start on default credentials or local defaults",
    )
    amqp_url: str | None = None
    amqp_queue_type: QueueType = Field(
        default="classic",
        description="quorum on a RabbitMQ cluster (replicated queues); the same for every "
        "service of a vhost",
    )
    amqp_declare: Declare = Field(
        default="all",
        description="own: declare only this service's queues, the exchanges must exist "
        "(a least-privilege broker user); all: declare everything (development)",
    )
    log_level: LogLevel = Field(default="INFO", description="least severe level logged")
    log_format: LogFormat = Field(
        default="json", description="json: one object per line; text: for a terminal"
    )
    shutdown_grace_seconds: GraceSeconds = Field(
        default=10.0, description="on SIGTERM, how long the work in hand may take"
    )
    cpu_profile_dir: Path | None = Field(
        default=None,
        description="set: SIGUSR2 starts an on-CPU profile and the next one writes it "
        "here (mythos_contracts.ops.cpu_profile); unset: off",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        shared = _SharedNames(settings_cls, cls.shared_env)
        return init_settings, env_settings, shared, dotenv_settings, file_secret_settings

    @classmethod
    def variable(cls, field: str) -> str:
        """The environment variable of ``field`` (its prefixed name)."""
        return f"{cls.model_config.get('env_prefix', '')}{field}".upper()

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def production_problems(self) -> list[str]:
        """What would make these settings unsafe in production (whatever the mode they
        are read in): the shared rules first, then the service's own."""
        problems: list[str] = []
        if self.amqp_url is not None and uses_default_amqp_account(self.amqp_url):
            problems.append(
                f"{self.variable('amqp_url')} uses the default guest account "
                "(give each service its own broker user)"
            )
        return problems + self.extra_production_problems()

    def extra_production_problems(self) -> list[str]:
        """A service's own production rules; each problem names its variable."""
        return []

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.is_production:
            problems = self.production_problems()
            if problems:
                raise UnsafeSettings(self, problems)
        return self


class BusServiceSettings(ServiceSettings):
    """A service that cannot run without the broker (game, edge, persistence)."""

    amqp_url: str = DEFAULT_AMQP_URL
