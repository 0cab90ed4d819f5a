"""``python -m mythos_persistence`` against the real RabbitMQ and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.persistence import LoadPlayerReply, LoadPlayerRequest, PlayerStateChanged
from mythos_contracts.routing import PERSISTENCE_EXCHANGE, load_request_key, save_key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_runs_serves_and_stops_on_sigterm(
    amqp_url: str, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    parts = urlsplit(database_url)
    env = {
        **os.environ,
        "AMQP_URL": amqp_url,  # the unprefixed names are accepted too
        # A plain URL, as operators write it; the service picks the async driver.
        "PERSISTENCE_DATABASE_URL": urlunsplit(("postgresql", parts.netloc, parts.path, "", "")),
        "PERSISTENCE_HEALTH_PORT": str(port),
        "PERSISTENCE_LOG_FORMAT": "json",
        "PERSISTENCE_LOG_LEVEL": "debug",
    }
    output = tmp_path / "stdout.log"
    with output.open("wb") as stdout:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "mythos_persistence", env=env, stdout=stdout
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
            assert response.json()["status"] == "ok"
            ready = await http.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert set(ready.json()["checks"]) == {"database", "broker"}

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

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            metrics = (await http.get("/metrics")).text
        assert (
            'mythos_persistence_writes_total{operation="save_player",outcome="ok"} 1.0' in metrics
        )
        assert 'mythos_persistence_db_read_seconds_count{operation="load_player"}' in metrics

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await client.close()

    # Every line is one JSON object; the write is logged at DEBUG with its player id.
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert lines and all(line["service"] == "persistence" for line in lines)
    writes = [line for line in lines if line.get("operation") == "save_player"]
    assert writes and writes[0]["level"] == "debug" and writes[0]["player_id"] == "p1"
    # The database URL's password never reaches the log, whatever logged it.
    password = urlsplit(database_url).password
    assert not password or password not in output.read_text()
