"""Closing one client's broker connection from the broker's side, as a network drop or a
dead process would (the client sees its socket closed, not a close it asked for): what
the tests of failover and redelivery strike with."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import unquote, urlsplit


async def _rabbitmqctl(*args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        "rabbitmqctl",
        "-q",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"rabbitmqctl {args[0]} failed: {err.decode().strip()}")
    return out.decode()


async def close_connection_named(amqp_url: str, connection_name: str) -> None:
    """Close the one connection on ``amqp_url``'s vhost whose client named itself
    ``connection_name`` (``AmqpBus(connection_name=...)``)."""
    vhost = unquote(urlsplit(amqp_url).path[1:]) or "/"
    # list_connections takes no vhost (-p is ignored): every vhost's are listed, and
    # tests running side by side name their connections alike.
    listed = json.loads(
        await _rabbitmqctl(
            "list_connections", "vhost", "name", "client_properties", "--formatter", "json"
        )
    )
    names = [
        c["name"]
        for c in listed
        if c["vhost"] == vhost
        and ["connection_name", "longstr", connection_name] in c["client_properties"]
    ]
    if len(names) != 1:
        raise LookupError(f"{len(names)} connections named {connection_name!r} on {vhost}")
    # The pid as close_connection reads it (the JSON form is written for another node).
    rows = await _rabbitmqctl("list_connections", "pid", "name")
    (pid,) = [row.split("\t")[0] for row in rows.splitlines() if row.endswith("\t" + names[0])]
    await _rabbitmqctl("close_connection", pid, "test: connection dropped")
