"""Game service settings, read once from the environment (prefix ``GAME_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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
    world: Literal["arkham", "bench"] = Field(
        default="arkham",
        validation_alias=AliasChoices("GAME_WORLD", "MYTHOS_WORLD"),
        description="'bench' generates the benchmark world instead of loading world_dir",
    )
    bench_rooms: int = Field(
        default=100, ge=1, validation_alias=AliasChoices("GAME_BENCH_ROOMS", "MYTHOS_BENCH_ROOMS")
    )
    persistence_timeout: float = Field(default=2.0, gt=0, description="seconds per load attempt")
    persistence_attempts: int = Field(default=2, ge=1)
    command_prefetch: int = Field(default=50, ge=1)
    tick_seconds: float = Field(default=1.0, gt=0, description="the game clock")
    tick_broadcast_every: int = Field(
        default=60, ge=1, description="send game_tick to every player every N ticks"
    )
    history_messages: int = Field(default=100, ge=1, description="replayable messages kept")
    history_seconds: float = Field(default=120.0, ge=0, description="...or this many seconds")
    linkdead_grace_seconds: float = Field(default=30.0, ge=0)
    heartbeat_interval_seconds: float = Field(default=25.0, gt=0)
    edge_timeout_seconds: float = Field(default=30.0, gt=0)
    edge_sync_seconds: float = Field(
        default=1.0, ge=0, description="on start, how long edges have to say who is connected"
    )
    health_host: str = "127.0.0.1"
    health_port: int = 54735
