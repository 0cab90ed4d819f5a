"""Finds out which services answer, and gives a run its own vhost and databases."""

from __future__ import annotations

import asyncio
import shutil
from urllib.parse import quote, urlsplit, urlunsplit

import aio_pika
import asyncpg

from mythos_local.supervisor import StartupFailed


async def amqp_problem(url: str) -> str | None:
    try:
        connection = await asyncio.wait_for(aio_pika.connect(url), 5)
    except Exception as exc:
        return f"RabbitMQ at {_safe(url)} did not answer ({type(exc).__name__})"
    await connection.close()
    return None


async def postgres_problem(url: str) -> str | None:
    try:
        connection = await asyncio.wait_for(asyncpg.connect(url), 5)
    except Exception as exc:
        return f"PostgreSQL at {_safe(url)} did not answer ({type(exc).__name__})"
    await connection.close()
    return None


def _safe(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}:{parts.port or ''}{parts.path}"


def vhost_url(url: str, vhost: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), "", ""))


async def ensure_vhost(url: str, vhost: str) -> str:
    """Create ``vhost`` (with rabbitmqctl) if needed; returns its AMQP URL."""
    if shutil.which("rabbitmqctl") is None:
        raise StartupFailed(
            "rabbitmqctl is not on PATH: create the vhost yourself or set MYTHOS_VHOST=/"
        )
    user = urlsplit(url).username or "guest"
    await _rabbitmqctl("add_vhost", vhost, allow_exists=True)
    await _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    return vhost_url(url, vhost)


async def delete_vhost(vhost: str) -> None:
    await _rabbitmqctl("delete_vhost", vhost, allow_exists=True)


async def _rabbitmqctl(*args: str, allow_exists: bool = False) -> None:
    proc = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    if proc.returncode and not (allow_exists and b"already" in err):
        raise StartupFailed(f"rabbitmqctl {' '.join(args[:2])} failed: {err.decode().strip()}")


def database_url(server_url: str, name: str) -> str:
    """SQLAlchemy asyncpg URL of database ``name`` on the server of ``server_url``."""
    parts = urlsplit(server_url)
    return urlunsplit(("postgresql+asyncpg", parts.netloc, "/" + name, "", ""))


async def ensure_database(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(server_url)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def drop_database(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
