"""The game's operations surface, on the whole service over an in-memory bus: the
metrics a handled command moves, its one JSON log line (ids, no token), and the health
port's /healthz, /readyz and /metrics."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from mythos_contracts.bus import Bus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_contracts.ops.log_lines import JsonLogFormatter
from mythos_contracts.routing import DEFAULT_SHARD_INBOX
from mythos_game.bootstrap import GameService
from mythos_game.domain.commands.base import CommandSpec, Context, Outcome
from mythos_game.domain.commands.registry import Parsed
from mythos_game.entrypoints.health import create_health_app
from mythos_game.service_layer import command_log as command_running
from mythos_game.service_layer.metrics import (
    COMMAND_SECONDS,
    COMMANDS_HANDLED,
    EVENTS_PUBLISHED,
    command_seconds,
    commands_handled,
    events_published,
)
from mythos_game.settings import GameSettings
from prometheus_client import REGISTRY

# The peer (conftest.py) is not importable by name under --import-mode=importlib.
Peer = Any

JWT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"


class SwitchableBus(InMemoryBus):
    """An in-memory bus whose broker connection the test can cut (for readiness)."""

    down = False

    def is_connected(self) -> bool:
        return super().is_connected() and not self.down


@dataclass
class Running:
    service: GameService
    bus: SwitchableBus
    peer: Peer
    sent: int = 0

    async def run(self, pid: str, command: str, *args: str) -> dict[str, object]:
        """Send a command the way an edge does; its response, once published."""
        self.sent += 1
        before = len(self.peer.responses(pid))
        await self.peer.send_command(pid, command, *args, command_id=f"{pid}-{self.sent}")
        await self.peer.wait_until(lambda: len(self.peer.responses(pid)) > before)
        return self.peer.responses(pid)[-1]


@pytest.fixture
async def running(
    peer_on: Callable[[Bus], Awaitable[Peer]], game_settings: Callable[..., GameSettings]
) -> AsyncIterator[Running]:
    broker = InMemoryBroker()
    peer = await peer_on(InMemoryBus(broker))
    bus = SwitchableBus(broker)
    await bus.connect()
    service = GameService(game_settings(), bus)
    await service.start()
    yield Running(service, bus, peer)
    await service.stop()
    await bus.close()
    await peer.bus.close()


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def handled(command: str, outcome: str) -> float:
    return sample("mythos_game_commands_total", command=command, outcome=outcome)


async def test_handled_commands_move_the_counters_by_canonical_name(running: Running) -> None:
    cases = [
        (("say", "hello"), "say", "ok"),
        (("'hello again",), "say", "ok"),  # shorthand
        (("SAY", "loud"), "say", "ok"),
        (("whisper", "nobody-here", "psst"), "whisper", "rejected"),
        (("xyzzy", "plugh"), "unknown", "rejected"),  # typed text never becomes a label
        (("alias", "hi", "say", "hi all"), "alias", "ok"),
        (("hi",), "say", "ok"),  # a player's alias counts as the command it stands for
    ]
    await running.run("alice", "look")  # joins (adopted): not part of the cases
    for args, command, outcome in cases:
        before = handled(command, outcome)
        timed = sample("mythos_game_command_seconds_count", command=command)
        await running.run("alice", *args)
        assert handled(command, outcome) == before + 1, args
        assert sample("mythos_game_command_seconds_count", command=command) == timed + 1
    assert handled("xyzzy", "rejected") == 0
    assert handled("hi", "ok") == 0


async def test_a_failing_command_counts_as_an_error_and_logs_with_its_ids(
    running: Running, monkeypatch: pytest.MonkeyPatch, json_lines: list[dict[str, Any]]
) -> None:
    def boom(ctx: Context, args: list[str]) -> Outcome:
        raise RuntimeError("bug in a command")

    spec = CommandSpec("look", "Test", "look", "breaks", boom)
    await running.run("alice", "look")
    monkeypatch.setattr(command_running, "resolve", lambda *_: Parsed(spec, []))
    before = handled("look", "error")
    response = await running.run("alice", "look")
    assert response["success"] is False
    assert handled("look", "error") == before + 1
    lines = [line for line in json_lines if line.get("command_id") == "alice-2"]
    failure, summary = lines
    assert failure["level"] == "error" and "bug in a command" in failure["exc"]
    assert failure["player_id"] == "alice" and failure["connection_id"] == "c-alice"
    assert summary["msg"] == "command handled" and summary["outcome"] == "error"


async def test_events_and_players_online_follow_the_game(running: Running) -> None:
    states = sample("mythos_game_events_total", type="game_state")
    responses = sample("mythos_game_events_total", type="command_response")
    chat = sample("mythos_game_events_total", type="chat_message")
    await running.run("alice", "look")
    await running.run("bob", "look")
    assert sample("mythos_game_players_online") == 2
    await running.run("alice", "say", "hi bob")
    assert sample("mythos_game_events_total", type="game_state") == states + 2
    assert sample("mythos_game_events_total", type="command_response") == responses + 3
    assert sample("mythos_game_events_total", type="chat_message") == chat + 1
    await running.run("bob", "quit")
    assert sample("mythos_game_players_online") == 1


class JsonLines(logging.Handler):
    """Formats each record as the service does, and parses it back (so it must be JSON)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonLogFormatter("game"))
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def json_lines() -> Iterator[list[dict[str, Any]]]:
    """Every line the game's loggers write during the test, as parsed JSON objects."""
    handler = JsonLines()
    logger = logging.getLogger("mythos_game")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(level)


async def test_one_json_line_per_command_with_its_ids_and_no_token(
    running: Running, json_lines: list[dict[str, Any]]
) -> None:
    await running.run("alice", "look")
    await running.run("alice", "say", "my token is", JWT, f"token={JWT}")
    await running.run("alice", "xyzzy")
    said, unknown = (
        [line for line in json_lines if line.get("command_id") == f"alice-{n}"] for n in (2, 3)
    )
    (line,) = [x for x in said if x["level"] == "info"]
    assert line["msg"] == "command handled"
    assert line["service"] == "game"
    assert (line["player_id"], line["command_id"], line["connection_id"]) == (
        "alice",
        "alice-2",
        "c-alice",
    )
    assert (line["command"], line["outcome"]) == ("say", "ok")
    assert isinstance(line["duration_ms"], float) and 0 <= line["duration_ms"] < 5000
    (line,) = [x for x in unknown if x["level"] == "info"]
    assert (line["command"], line["outcome"]) == ("unknown", "rejected")
    handled_lines = [x for x in json_lines if x["msg"] == "command handled"]
    assert len(handled_lines) == 3  # one per command, the joining one included
    assert JWT not in json.dumps(json_lines)


async def test_health_port_answers_and_follows_the_broker_and_the_stop(running: Running) -> None:
    app = create_health_app(running.service, running.bus)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://game"
    ) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {
            "broker": {"ok": True},
            "world": {"ok": True},
            "consuming": {"ok": True},
        }
        metrics = await client.get("/metrics")
        assert metrics.status_code == 200
        for name in (
            "mythos_game_commands_total",
            "mythos_game_command_seconds",
            "mythos_game_events_total",
            "mythos_game_players_online",
            f'mythos_bus_queue_depth{{queue="{DEFAULT_SHARD_INBOX}"}}',
        ):
            assert name in metrics.text

        running.bus.down = True
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["broker"] == {"ok": False, "detail": "BrokerDisconnected"}
        live = await client.get("/healthz")  # liveness never looks at the broker
        assert live.status_code == 200 and live.json()["status"] == "ok"

        running.bus.down = False
        await running.service.stop()
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["consuming"] == {"ok": False, "detail": "NotConsuming"}
        assert (await client.get("/healthz")).status_code == 200


async def test_healthz_fails_when_the_game_clock_dies(running: Running) -> None:
    app = create_health_app(running.service, running.bus)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://game"
    ) as client:
        assert (await client.get("/healthz")).status_code == 200
        ticker = running.service._ticker
        assert ticker is not None
        ticker.cancel()
        await running.peer.wait_until(ticker.done)
        live = await client.get("/healthz")
        assert live.status_code == 503
        assert live.json()["checks"]["process"]["detail"] == "the game clock was cancelled"


def test_metric_children_are_bound_once_and_are_the_labelled_series() -> None:
    # The hot path counts through cached children: each must be the very child that
    # ``labels()`` gives (so the scraped series moves), and one object per label value.
    assert commands_handled("say", "ok") is COMMANDS_HANDLED.labels("say", "ok")
    assert commands_handled("say", "ok") is commands_handled("say", "ok")
    assert commands_handled("say", "rejected") is not commands_handled("say", "ok")
    assert command_seconds("say") is COMMAND_SECONDS.labels("say")
    assert events_published("chat_message") is EVENTS_PUBLISHED.labels("chat_message")
    before = sample("mythos_game_events_total", type="chat_message")
    events_published("chat_message").inc()
    assert sample("mythos_game_events_total", type="chat_message") == before + 1
