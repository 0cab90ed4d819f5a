"""A frozen active game (SIGSTOP here; a paused VM or a lost node alike) keeps its TCP
connections open: only the AMQP heartbeat (``GAME_AMQP_HEARTBEAT_SECONDS``, 2) tells the
broker it is gone. Two real game processes on RabbitMQ: the standby must take the shard
over well within the minute aio-pika's default heartbeat would take, and the frozen one,
woken (SIGCONT), must exit (code 70) rather than go on, with nothing it held reaching
anyone after the takeover."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from mythos_contracts.bus import Bus
from mythos_contracts.bus.amqp import AmqpBus
from mythos_game.service_layer.stream_journal import JOURNAL_LOST_EXIT_CODE

Peer = Any  # conftest.py's; not importable by name under --import-mode=importlib
PeerOn = Callable[[Bus], Awaitable[Any]]

TAKEOVER_BOUND_SECONDS = 20.0
"""Far above the heartbeat's 5 s (the broker's, at 2) plus a takeover, far below
aio-pika's default of 60 s: a wall-clock bound on a busy shared machine is not tight."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Game:
    process: asyncio.subprocess.Process
    port: int
    log: Path
    out: IO[bytes]

    async def wait_ready(self) -> None:
        async with httpx.AsyncClient(timeout=2.0) as client, asyncio.timeout(60):
            while True:
                assert self.process.returncode is None, self.lines()
                try:
                    ready = await client.get(f"http://127.0.0.1:{self.port}/readyz")
                    if ready.status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)

    def lines(self) -> list[dict[str, Any]]:
        text = self.log.read_text(errors="replace")
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    def said(self, fragment: str) -> list[dict[str, Any]]:
        return [line for line in self.lines() if fragment in str(line.get("msg", ""))]

    async def end(self) -> None:
        if self.process.returncode is None:
            self.process.kill()  # stopped or not
            await self.process.wait()
        self.out.close()


async def _start(amqp_url: str, log: Path, **env: str) -> Game:
    port = _free_port()
    out = log.open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mythos_game",
        env={
            **os.environ,
            "GAME_AMQP_URL": amqp_url,
            "GAME_HEALTH_PORT": str(port),
            "GAME_STANDBY": "true",
            "GAME_EDGE_SYNC_SECONDS": "0",
            "GAME_PERSISTENCE_TIMEOUT": "20",
            "GAME_PERSISTENCE_ATTEMPTS": "1",
            "GAME_LOG_FORMAT": "json",
            "GAME_LOG_LEVEL": "info",
            **env,
        },
        stdout=out,
        stderr=asyncio.subprocess.STDOUT,
    )
    return Game(process, port, log, out)


def _answered(peer: Peer, command_id: str) -> bool:
    return any(r.get("command_id") == command_id for r in peer.responses("alice"))


@pytest.mark.services
async def test_a_frozen_active_game_loses_the_shard_to_the_standby_and_exits_when_woken(
    amqp_url: str, peer_on: PeerOn, tmp_path: Path
) -> None:
    peer = await peer_on(AmqpBus(amqp_url, connection_name="test-peer"))
    # No loop watchdog in the frozen one: its exit must come from the lost connections.
    first = await _start(amqp_url, tmp_path / "first.log", GAME_WATCHDOG_SECONDS="0")
    second: Game | None = None
    try:
        await first.wait_ready()  # registered first: the broker's active consumer
        second = await _start(amqp_url, tmp_path / "second.log")
        await second.wait_ready()
        await peer.send_command("alice", "say", "before", command_id="a-1")
        await peer.wait_until(lambda: _answered(peer, "a-1"), timeout=30)
        assert first.said("took the shard over") and not second.said("took the shard over")

        first.process.send_signal(signal.SIGSTOP)
        frozen_at = time.monotonic()
        # Delivered to the frozen game (its channel looks alive): only the broker's
        # closing of its connection hands it, and the shard, to the standby.
        await peer.send_command("alice", "say", "while frozen", command_id="a-2")
        await peer.wait_until(lambda: _answered(peer, "a-2"), timeout=90)
        took = time.monotonic() - frozen_at
        (took_over,) = second.said("took the shard over")
        print(
            f"frozen active game: the standby answered {took:.1f} s after SIGSTOP "
            f"({took_over['msg']})"
        )
        assert took < TAKEOVER_BOUND_SECONDS, f"takeover took {took:.1f} s"
        old, new = peer.terms["s1"] - 1, peer.terms["s1"]

        first.process.send_signal(signal.SIGCONT)
        code = await asyncio.wait_for(first.process.wait(), 20)
        assert code == JOURNAL_LOST_EXIT_CODE, first.lines()[-5:]
        # Whichever it notices first: its closed connections, or (a tick's) record that
        # can no longer be confirmed on them. Either way it stops before reconnecting.
        (exit_line,) = first.said("exiting so the next game takes over")
        assert exit_line["level"] == "critical"
        print(f"woken, the frozen game exited: {exit_line['msg']}")

        await peer.send_command("alice", "say", "after", command_id="a-3")
        await peer.wait_until(lambda: _answered(peer, "a-3"), timeout=30)
        terms = [e.term for e in peer.events if e.term is not None]
        since = terms.index(new)
        assert old not in terms[since:], "nothing of the old term after the takeover"
        assert second.process.returncode is None, "the standby holds the shard on"
    finally:
        await first.end()
        if second is not None:
            await second.end()
        await peer.bus.close()
