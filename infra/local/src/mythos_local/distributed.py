"""Distributed mode: four services as separate processes on RabbitMQ and PostgreSQL,
behind one proxy (Caddy, or nginx) on the one public origin."""

from __future__ import annotations

import asyncio
import logging
import os

from mythos_contracts.bus.access import SERVICE_ACCESS

from mythos_local.console import LAUNCHER, Console, level_number, log_to
from mythos_local.front_door import front_door
from mythos_local.games import game_children
from mythos_local.provisioning import (
    database_url,
    ensure_database,
    ensure_service_users,
)
from mythos_local.settings import LocalSettings
from mythos_local.supervisor import Child, Supervisor, python_module

log = logging.getLogger("mythos.local")


async def run_distributed(settings: LocalSettings, stop: asyncio.Event) -> int:
    data = settings.mythos_data_dir
    # Each service connects as its own least-privilege broker user (docs/security.md).
    amqp = await ensure_service_users(
        settings.amqp_url,
        settings.mythos_vhost,
        data,
        queue_type=settings.mythos_amqp_queue_type,
    )
    edge_user = SERVICE_ACCESS["edge"].username(settings.mythos_vhost)
    auth_user = SERVICE_ACCESS["auth"].username(settings.mythos_vhost)
    game_db = f"{settings.mythos_db_prefix}_game"
    auth_db = f"{settings.mythos_db_prefix}_auth"
    for name in (game_db, auth_db):
        await ensure_database(settings.database_url, name)
    data.mkdir(parents=True, exist_ok=True)
    host = settings.mythos_host
    auth_port = settings.port("auth")
    jwks = f"http://{host}:{auth_port}/auth/.well-known/jwks.json"

    children = [
        Child(
            "auth",
            python_module("mythos_auth"),
            {
                **logging_env("AUTH", settings),
                "AUTH_HOST": host,
                "AUTH_PORT": str(auth_port),
                "AUTH_DATABASE_URL": database_url(settings.database_url, auth_db),
                # Its broker user: revocations out, in-game bans in (never on a login's path).
                "AUTH_AMQP_URL": amqp["auth"],
                "AUTH_AMQP_DECLARE": "own",
                "AUTH_KEY_FILE": str(data / f"{settings.mythos_db_prefix}_auth_ed25519.pem"),
            },
            f"http://{host}:{auth_port}/auth/healthz",
        ),
        Child(
            "persistence",
            python_module("mythos_persistence"),
            {
                **logging_env("PERSISTENCE", settings),
                "PERSISTENCE_AMQP_URL": amqp["persistence"],
                "PERSISTENCE_AMQP_DECLARE": "own",
                "PERSISTENCE_DATABASE_URL": database_url(settings.database_url, game_db),
                "PERSISTENCE_HEALTH_HOST": host,
                "PERSISTENCE_HEALTH_PORT": str(settings.port("persistence")),
            },
            f"http://{host}:{settings.port('persistence')}/healthz",
        ),
    ]
    children += game_children(
        settings,
        {
            **logging_env("GAME", settings),
            "GAME_AMQP_URL": amqp["game"],
            "GAME_AMQP_DECLARE": "own",
            "GAME_COMMAND_PUBLISHER": edge_user,
            # Transfers between shards come from the games' own user, never an edge's.
            "GAME_SHARD_PUBLISHER": SERVICE_ACCESS["game"].username(settings.mythos_vhost),
            "GAME_ACCOUNTS_PUBLISHER": auth_user,
            "GAME_HEALTH_HOST": host,
        },
        lambda port: f"http://{host}:{port}/healthz",
    )
    for index in range(settings.mythos_edges):
        port = settings.port("edge", index)
        children.append(
            Child(
                f"edge-{index + 1}",
                python_module("mythos_edge"),
                {
                    **logging_env("EDGE", settings),
                    "EDGE_AMQP_URL": amqp["edge"],
                    "EDGE_AMQP_DECLARE": "own",
                    "EDGE_HOST": host,
                    "EDGE_PORT": str(port),
                    "EDGE_INSTANCE_ID": f"{settings.mythos_vhost}-{index + 1}",
                    "EDGE_JWKS_URL": jwks,
                    # Read by the interpreter at start: see LocalSettings.
                    "PYTHONMALLOC": settings.mythos_edge_pythonmalloc,
                },
                f"http://{host}:{port}/api/healthz",
            )
        )
    children.append(front_door(settings, data))  # last: it routes to the others

    console = Console([c.name for c in children], level=level_number(settings.mythos_log_level))
    if settings.log_format == "text":
        log_to(console, lambda _record: LAUNCHER)
    supervisor = Supervisor(
        data / "processes.json",
        settings.mythos_restart_delay,
        console=console if settings.log_format == "text" else None,
    )
    try:
        for child in children:
            await supervisor.start(child)
            await supervisor.wait_healthy(child)
        await asyncio.sleep(0.1)  # let the relays print what came before: the box comes last
        announce(settings, "distributed", console)
        stopper = asyncio.create_task(stop.wait())
        keeper = asyncio.create_task(supervisor.keep_running())
        done, _ = await asyncio.wait({stopper, keeper}, return_when=asyncio.FIRST_COMPLETED)
        keeper.cancel()
        stopper.cancel()
        return 1 if keeper in done else 0
    finally:
        log.info("stopping every service")
        await supervisor.stop_all()
        log.info("stopped")


def logging_env(prefix: str, settings: LocalSettings) -> dict[str, str]:
    """A service's log settings: always JSON (``console`` renders it for a person); the
    run's level unless the service's own ``<PREFIX>_LOG_LEVEL`` is set."""
    level = f"{prefix}_LOG_LEVEL"
    return {f"{prefix}_LOG_FORMAT": "json", level: os.environ.get(level, settings.mythos_log_level)}


def announce(settings: LocalSettings, mode: str, console: Console) -> None:
    """The last thing ``make run`` prints: the URL, in a box (tests wait for its first line)."""
    if not settings.mythos_client_dist.joinpath("index.html").exists():
        log.warning("client bundle missing at %s: run 'make client'", settings.mythos_client_dist)
    lines = [
        f"Mythos is running ({mode} mode). Open {settings.public_url}",
        "Ctrl-C stops it.",
    ]
    print("\n" + console.box(lines) + "\n", flush=True)
