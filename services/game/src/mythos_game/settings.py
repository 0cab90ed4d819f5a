"""Game service settings, read once from the environment (prefix ``GAME_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_SOURCE_WORLD = Path(__file__).resolve().parents[2] / "world"


class GameSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GAME_", extra="ignore")

    amqp_url: str = Field(
        default="amqp://guest:guest@127.0.0.1:5672/",
        validation_alias=AliasChoices("GAME_AMQP_URL", "AMQP_URL"),
    )
    world_dir: Path = Field(default=_SOURCE_WORLD, description="folder of the world data files")
    persistence_timeout: float = Field(default=2.0, gt=0, description="seconds per load attempt")
    persistence_attempts: int = Field(default=2, ge=1)
    command_prefetch: int = Field(default=50, ge=1)
    health_host: str = "127.0.0.1"
    health_port: int = 54735
