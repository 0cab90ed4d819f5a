"""The in-process bus that records what the edge sends the game, and an edge app on a
real uvicorn with ``DetachableWebSockets`` over it, for tests that hold real client
sockets (not a test module)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.routing import COMMANDS_EXCHANGE
from mythos_edge.adapters.token_verifier import Identity, InvalidToken
from mythos_edge.app import create_app
from mythos_edge.entrypoints.lean_socket import DetachableWebSockets
from mythos_edge.settings import EdgeSettings


class FakeVerifier:
    """``good-<player>`` verifies for ten minutes, ``brief-<player>`` for one second;
    anything else is forged."""

    async def verify(self, token: str) -> Identity:
        kind, _, player = token.partition("-")
        lasts = {"good": 600.0, "brief": 1.0}.get(kind)
        if lasts is None:
            raise InvalidToken("Signature verification failed")
        return Identity(player, player.title(), expires_at=time.time() + lasts)


class SpyBus(InMemoryBus):
    """The in-process bus, recording what the edge sends the game."""

    def __init__(self) -> None:
        self.broker = InMemoryBroker()
        super().__init__(self.broker)
        self.to_game: list[dict[str, Any]] = []

    async def publish(self, exchange: str, routing_key: str, body: bytes, **kw: Any) -> None:
        if exchange == COMMANDS_EXCHANGE and routing_key.startswith("command."):
            self.to_game.append(json.loads(body))
        await super().publish(exchange, routing_key, body, **kw)

    def sent(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.to_game if m.get("kind") == kind]

    def wait_for(self, kind: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """For a test on ``TestClient``'s thread: block until ``count`` of ``kind`` came."""
        deadline = time.monotonic() + timeout
        while len(sent := self.sent(kind)) < count:
            assert time.monotonic() < deadline, f"{count} {kind}: got {self.to_game}"
            time.sleep(0.01)
        return sent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def served(**settings: Any) -> AsyncIterator[tuple[str, SpyBus, uvicorn.Server]]:
    bus = SpyBus()
    edge_settings = EdgeSettings(instance_id="t", edge_heartbeat_seconds=60, **settings)
    app = create_app(edge_settings, bus, verifier=FakeVerifier())
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        lifespan="on",
        ws=DetachableWebSockets,
        ws_ping_interval=None,
        ws_max_size=64 * 1024,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{port}/api/ws", bus, server
    finally:
        server.should_exit = True
        await serving


async def until(check: Any) -> None:
    async with asyncio.timeout(30):
        while not check():  # noqa: ASYNC110 - the bus records synchronously
            await asyncio.sleep(0.01)
