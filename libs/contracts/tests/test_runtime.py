"""The one lifecycle (``mythos_contracts.runtime``): a real HTTP server on a free port, a
real signal, and a service that records what happened to it, in what order."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import socket

import httpx
import pytest
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.runtime import Plan, Served, ServeError, serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

SIGNAL = signal.SIGUSR1  # the test's own stop signal; SIGTERM would stop pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Recorder:
    """A service that notes each call, and answers /ready with what it is doing."""

    def __init__(self, bus: InMemoryBus, *, drain_takes: float = 0.0) -> None:
        self.bus = bus
        self.calls: list[str] = []
        self.drain_takes = drain_takes
        self.served_while_draining: int | None = None
        self.frozen_by_then = 0
        self.port = free_port()

    async def start(self) -> None:
        self.calls.append(f"start (bus connected: {self.bus.is_connected()})")

    async def drain(self) -> None:
        self.calls.append("drain")
        self.frozen_by_then = gc.get_freeze_count()
        async with httpx.AsyncClient() as http:
            answer = await http.get(f"http://127.0.0.1:{self.port}/ready")
            self.served_while_draining = answer.status_code
        await asyncio.sleep(self.drain_takes)
        self.calls.append("drained")

    async def stop(self) -> None:
        self.calls.append(f"stop (bus connected: {self.bus.is_connected()})")

    def plan(self) -> Plan:
        async def ready(_: Request) -> PlainTextResponse:
            return PlainTextResponse("draining" if "drain" in self.calls else "ok")

        app = Starlette(routes=[Route("/ready", ready)])
        return Plan(service=self, served=Served(app, "127.0.0.1", self.port), bus=self.bus)


async def wait_serving(port: int) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(200):
            try:
                if (await http.get(f"http://127.0.0.1:{port}/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("never served")


async def test_start_serve_then_drain_while_serving_stop_and_close_the_bus() -> None:
    gc.unfreeze()
    service = Recorder(InMemoryBus(InMemoryBroker()))
    running = asyncio.create_task(serve(service.plan(), grace=5.0, signals=[SIGNAL]))
    await wait_serving(service.port)
    os.kill(os.getpid(), SIGNAL)
    await asyncio.wait_for(running, 10)
    assert service.calls == [
        "start (bus connected: True)",
        "drain",
        "drained",
        "stop (bus connected: True)",  # the bus closes only after the service stopped
    ]
    assert service.served_while_draining == 200
    assert service.frozen_by_then > 0  # what start built is out of the collector's way
    gc.unfreeze()
    assert not service.bus.is_connected()
    with pytest.raises(httpx.TransportError):
        async with httpx.AsyncClient() as http:
            await http.get(f"http://127.0.0.1:{service.port}/ready")


async def test_a_drain_longer_than_the_grace_is_cut_short_and_still_stops() -> None:
    service = Recorder(InMemoryBus(InMemoryBroker()), drain_takes=60.0)
    running = asyncio.create_task(serve(service.plan(), grace=0.3, signals=[SIGNAL]))
    await wait_serving(service.port)
    os.kill(os.getpid(), SIGNAL)
    await asyncio.wait_for(running, 10)
    assert service.calls == ["start (bus connected: True)", "drain", "stop (bus connected: True)"]


class Unreachable(InMemoryBus):
    """A broker that is not up: every connect fails."""

    attempts = 0

    async def connect(self) -> None:
        self.attempts += 1
        raise ConnectionRefusedError("no broker")


async def test_a_missing_broker_is_waited_for_until_a_stop_signal() -> None:
    bus = Unreachable(InMemoryBroker())
    service = Recorder(bus)
    running = asyncio.create_task(serve(service.plan(), grace=1.0, signals=[SIGNAL]))
    await asyncio.sleep(1.0)
    assert not running.done() and bus.attempts >= 2  # retried, with backoff
    os.kill(os.getpid(), SIGNAL)
    await asyncio.wait_for(running, 10)
    assert service.calls == []  # never started: nothing to drain or stop


async def test_a_taken_port_is_an_error_and_the_service_is_stopped() -> None:
    service = Recorder(InMemoryBus(InMemoryBroker()))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", service.port))
        taken.listen()
        with pytest.raises(ServeError, match=str(service.port)):
            await asyncio.wait_for(serve(service.plan(), grace=1.0, signals=[SIGNAL]), 10)
    assert service.calls == ["start (bus connected: True)", "stop (bus connected: True)"]
    assert not service.bus.is_connected()
