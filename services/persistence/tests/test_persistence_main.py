"""``python -m mythos_persistence`` against the real RabbitMQ and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from urllib.parse import urlsplit, urlunsplit

import httpx
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.persistence import LoadPlayerReply, LoadPlayerRequest, PlayerStateChanged
from mythos_contracts.routing import PERSISTENCE_EXCHANGE, load_request_key, save_key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_runs_serves_and_stops_on_sigterm(amqp_url: str, database_url: str) -> None:
    port = free_port()
    parts = urlsplit(database_url)
    env = {
        **os.environ,
        "AMQP_URL": amqp_url,  # the unprefixed names are accepted too
        # A plain URL, as operators write it; the service picks the async driver.
        "PERSISTENCE_DATABASE_URL": urlunsplit(("postgresql", parts.netloc, parts.path, "", "")),
        "PERSISTENCE_HEALTH_PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mythos_persistence", env=env
    )
    client = AmqpBus(amqp_url, connection_name="game")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(200):
                try:
                    response = await http.get("/healthz")
                    if response.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.returncode is None, "the service exited early"
                await asyncio.sleep(0.1)
            assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}

        await client.connect()
        change = PlayerStateChanged(player_id="p1", name="Armitage", room_id="street", version=1)
        await client.publish(
            PERSISTENCE_EXCHANGE, save_key("player"), change.model_dump_json().encode()
        )
        request = LoadPlayerRequest(player_id="p1", name="Armitage").model_dump_json().encode()
        for _ in range(100):
            raw = await client.request(
                PERSISTENCE_EXCHANGE, load_request_key("load_player"), request
            )
            if LoadPlayerReply.model_validate_json(raw).version == 1:
                break
            await asyncio.sleep(0.05)
        assert LoadPlayerReply.model_validate_json(raw).room_id == "street"

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await client.close()
