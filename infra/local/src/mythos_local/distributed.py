"""Distributed mode: four services as separate processes on RabbitMQ and PostgreSQL,
behind Caddy on the one public origin."""

from __future__ import annotations

import asyncio
import logging

from mythos_local.front_door import caddy_binary, caddyfile
from mythos_local.provisioning import database_url, ensure_database, ensure_vhost
from mythos_local.settings import LocalSettings
from mythos_local.supervisor import Child, Supervisor, python_module

log = logging.getLogger("mythos.local")


async def run_distributed(settings: LocalSettings, stop: asyncio.Event) -> int:
    amqp = await ensure_vhost(settings.amqp_url, settings.mythos_vhost)
    game_db = f"{settings.mythos_db_prefix}_game"
    auth_db = f"{settings.mythos_db_prefix}_auth"
    for name in (game_db, auth_db):
        await ensure_database(settings.database_url, name)
    data = settings.mythos_data_dir
    data.mkdir(parents=True, exist_ok=True)
    host = settings.mythos_host
    auth_port = settings.port("auth")
    jwks = f"http://{host}:{auth_port}/auth/.well-known/jwks.json"

    children = [
        Child(
            "auth",
            python_module("mythos_auth"),
            {
                "AUTH_LOG_FORMAT": settings.mythos_log_format,
                "AUTH_HOST": host,
                "AUTH_PORT": str(auth_port),
                "AUTH_DATABASE_URL": database_url(settings.database_url, auth_db),
                "AUTH_KEY_FILE": str(data / f"{settings.mythos_db_prefix}_auth_ed25519.pem"),
            },
            f"http://{host}:{auth_port}/auth/healthz",
        ),
        Child(
            "persistence",
            python_module("mythos_persistence"),
            {
                "PERSISTENCE_LOG_FORMAT": settings.mythos_log_format,
                "PERSISTENCE_AMQP_URL": amqp,
                "PERSISTENCE_DATABASE_URL": database_url(settings.database_url, game_db),
                "PERSISTENCE_HEALTH_HOST": host,
                "PERSISTENCE_HEALTH_PORT": str(settings.port("persistence")),
            },
            f"http://{host}:{settings.port('persistence')}/healthz",
        ),
        Child(
            "game",
            python_module("mythos_game"),
            {
                "GAME_LOG_FORMAT": settings.mythos_log_format,
                "GAME_AMQP_URL": amqp,
                "GAME_HEALTH_HOST": host,
                "GAME_HEALTH_PORT": str(settings.port("game")),
            },
            f"http://{host}:{settings.port('game')}/healthz",
        ),
    ]
    for index in range(settings.mythos_edges):
        port = settings.port("edge", index)
        children.append(
            Child(
                f"edge-{index + 1}",
                python_module("mythos_edge"),
                {
                    "EDGE_LOG_FORMAT": settings.mythos_log_format,
                    "EDGE_AMQP_URL": amqp,
                    "EDGE_HOST": host,
                    "EDGE_PORT": str(port),
                    "EDGE_INSTANCE_ID": f"{settings.mythos_vhost}-{index + 1}",
                    "EDGE_JWKS_URL": jwks,
                },
                f"http://{host}:{port}/api/healthz",
            )
        )
    caddy_config = data / f"Caddyfile.{settings.mythos_port}"
    caddy_config.write_text(caddyfile(settings))
    children.append(
        Child(
            "front door (caddy)",
            [caddy_binary(), "run", "--config", str(caddy_config), "--adapter", "caddyfile"],
            {"XDG_DATA_HOME": str(data / "caddy"), "XDG_CONFIG_HOME": str(data / "caddy")},
            f"{settings.public_url}/auth/healthz",
        )
    )

    supervisor = Supervisor(data / "processes.json", settings.mythos_restart_delay)
    try:
        for child in children:
            await supervisor.start(child)
            await supervisor.wait_healthy(child)
        announce(settings, "distributed")
        stopper = asyncio.create_task(stop.wait())
        keeper = asyncio.create_task(supervisor.keep_running())
        done, _ = await asyncio.wait({stopper, keeper}, return_when=asyncio.FIRST_COMPLETED)
        keeper.cancel()
        stopper.cancel()
        return 1 if keeper in done else 0
    finally:
        await supervisor.stop_all()


def announce(settings: LocalSettings, mode: str) -> None:
    if not settings.mythos_client_dist.joinpath("index.html").exists():
        log.warning("client bundle missing at %s: run 'make client'", settings.mythos_client_dist)
    print(f"\nMythos is running ({mode} mode). Open {settings.public_url}\n", flush=True)
