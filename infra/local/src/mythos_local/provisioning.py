"""Finds out which services answer, and gives a run its own vhost and databases."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import aio_pika
import asyncpg  # type: ignore[import-untyped]  # ships no type hints
from aiormq.exceptions import ChannelPreconditionFailed
from mythos_contracts.bus.access import SERVICE_ACCESS
from mythos_contracts.bus.amqp import QueueType, declare_topology
from mythos_contracts.routing import SINGLE_ACTIVE_QUEUES

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
    """Delete ``vhost`` and the services' users made for it (``ensure_service_users``);
    any of them already gone is no error. One ``rabbitmqctl eval`` does it all: each
    call boots an Erlang VM, and a call per user and one for the vhost (five, at once)
    took 2.2-2.7 s on a 2-core machine, this one 0.6-0.7 s."""
    users = [access.username(vhost) for access in SERVICE_ACCESS.values()]
    answer = await _rabbitmqctl("eval", _deletion(vhost, users))
    if answer.strip() != "true":
        raise StartupFailed(f"deleting vhost {vhost} and its users failed: {answer.strip()}")


def _deletion(vhost: str, users: list[str]) -> str:
    """The Erlang expression that deletes ``vhost`` and ``users`` where they exist; it
    evaluates to ``true`` when every deletion said ``ok``, else to their answers."""
    by = _binary("mythos-local")  # the acting user the broker's own log records
    deletions = [
        f"case rabbit_vhost:exists({_binary(vhost)}) of "
        f"true -> rabbit_vhost:delete({_binary(vhost)}, {by}); false -> ok end",
        *(
            f"case rabbit_auth_backend_internal:exists({_binary(user)}) of "
            f"true -> rabbit_auth_backend_internal:delete_user({_binary(user)}, {by}); "
            "false -> ok end"
            for user in users
        ),
    ]
    return f"R = [{', '.join(deletions)}], lists:all(fun(X) -> X =:= ok end, R) orelse R."


def _binary(text: str) -> str:
    """``text`` as an Erlang binary of its UTF-8 bytes: no quoting for a name to escape."""
    return "<<" + ",".join(str(byte) for byte in text.encode()) + ">>"


async def ensure_service_users(
    url: str, vhost: str, data_dir: Path, *, queue_type: QueueType = "classic"
) -> dict[str, str]:
    """Give each service its own least-privilege user on ``vhost`` (created if needed;
    ``url``'s user must be a broker administrator) and declare the exchanges and fixed
    queues as that administrator, since the services may not. Returns each service's
    AMQP URL. The generated passwords are kept in ``data_dir/amqp-users.<vhost>.json``
    (mode 0600); each run makes new ones."""
    if shutil.which("rabbitmqctl") is None:
        raise StartupFailed(
            "rabbitmqctl is not on PATH: it creates the run's vhost and the services' users"
        )
    admin = unquote(urlsplit(url).username or "") or "guest"
    passwords = {
        access.username(vhost): secrets.token_urlsafe(24) for access in SERVICE_ACCESS.values()
    }
    await asyncio.to_thread(_keep_secret, data_dir / f"amqp-users.{vhost}.json", passwords)
    definitions = json.dumps(bus_definitions(vhost, admin, passwords))
    # One rabbitmqctl call for everything (each call starts an Erlang VM, ~0.5 s).
    await _rabbitmqctl("import_definitions", "--format", "json", stdin=definitions)
    try:
        await declare_topology(vhost_url(url, vhost), queue_type=queue_type)
    except ChannelPreconditionFailed:
        # A vhost of an earlier run may hold a queue declared with other arguments.
        await _retire_single_active_queues(vhost)
        await declare_topology(vhost_url(url, vhost), queue_type=queue_type)
    return {
        service: user_url(url, vhost, access.username(vhost), passwords[access.username(vhost)])
        for service, access in SERVICE_ACCESS.items()
    }


def _keep_secret(path: Path, passwords: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)  # touch keeps the mode of a file that already exists
    path.write_text(json.dumps(passwords, indent=2))


def bus_definitions(vhost: str, admin: str, passwords: dict[str, str]) -> dict[str, Any]:
    """RabbitMQ definitions: the vhost, full rights on it for ``admin``, and each
    service's user (``passwords`` by user name) with its permissions and topic
    permissions from ``mythos_contracts.bus.access``."""
    users: list[dict[str, Any]] = []
    permissions: list[dict[str, str]] = []
    topic_permissions: list[dict[str, str]] = []
    permissions.append(
        {"user": admin, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}
    )
    for access in SERVICE_ACCESS.values():
        user = access.username(vhost)
        users.append(
            {
                "name": user,
                "password_hash": password_hash(passwords[user]),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": [],
            }
        )
        permissions.append(
            {
                "user": user,
                "vhost": vhost,
                "configure": access.configure,
                "write": access.write,
                "read": access.read,
            }
        )
        topic_permissions.extend(
            {
                "user": user,
                "vhost": vhost,
                "exchange": topic.exchange,
                "write": topic.write,
                "read": topic.read,
            }
            for topic in access.topics
        )
    return {
        "vhosts": [{"name": vhost}],
        "users": users,
        "permissions": permissions,
        "topic_permissions": topic_permissions,
    }


def password_hash(password: str) -> str:
    """RabbitMQ's ``rabbit_password_hashing_sha256``: base64(salt + sha256(salt + password))."""
    salt = secrets.token_bytes(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def user_url(url: str, vhost: str, user: str, password: str) -> str:
    """``url``'s broker and ``vhost`` with another user's credentials."""
    parts = urlsplit(vhost_url(url, vhost))
    host = parts.hostname or "127.0.0.1"
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


async def _retire_single_active_queues(vhost: str) -> None:
    """Delete, when empty, each queue that must have a single active consumer but was
    declared without one (the game's inbox before #16): it is declared again at once.
    A queue with messages waiting is left alone, and the start fails saying why."""
    for queue in sorted(SINGLE_ACTIVE_QUEUES):
        try:
            await _rabbitmqctl("delete_queue", "--vhost", vhost, queue, "--if-empty")
        except StartupFailed as exc:
            raise StartupFailed(
                f"{queue} on vhost {vhost} was made by an older release (no single active "
                f"consumer) and still holds messages: let the old game drain it, or delete "
                f"it (rabbitmqctl delete_queue --vhost {vhost} {queue}); {exc}"
            ) from exc


async def _rabbitmqctl(*args: str, allow_exists: bool = False, stdin: str | None = None) -> str:
    """Run ``rabbitmqctl -q args``; returns what it printed."""
    proc = await asyncio.create_subprocess_exec(
        "rabbitmqctl",
        "-q",
        *args,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate(stdin.encode() if stdin is not None else None)
    tolerated = allow_exists and (b"already" in err or b"does not exist" in err)
    if proc.returncode and not tolerated:
        raise StartupFailed(f"rabbitmqctl {' '.join(args[:2])} failed: {err.decode().strip()}")
    return out.decode(errors="replace")


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
