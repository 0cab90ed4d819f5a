"""What ops see of a running distributed system: health, readiness, metrics and logs.

Every service answers /healthz, /readyz and /metrics on its own port; the public origin
serves none of them. Metrics move with play, and the log is one JSON object per line in
which a command can be followed by its ids, with no token or password anywhere.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from typing import Any

import httpx
import pytest

PASSWORD = "correct horse"
OPS_PATHS = ("/healthz", "/readyz", "/metrics")


def _internal_ports(system: Any) -> dict[str, int]:
    base = int(system.env["MYTHOS_INTERNAL_PORT_BASE"])
    return {"auth": base, "game": base + 1, "persistence": base + 2, "edge": base + 3}


def _samples(text: str, name: str, **labels: str) -> float:
    """Sum of the samples of ``name`` whose labels include ``labels``."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{re.escape(name)}(?:\{{(.*)\}})? (\S+)$", line)
        if match is None:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match.group(2))
    return total


async def _metrics(http: httpx.AsyncClient, port: int) -> str:
    response = await http.get(f"http://127.0.0.1:{port}/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def _metrics_once_moved(
    http: httpx.AsyncClient,
    port: int,
    before: str,
    name: str,
    timeout: float = 15.0,
    **labels: str,
) -> str:
    """The metrics text once ``name`` has grown past ``before`` (or the last read at timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        text = await _metrics(http, port)
        if _samples(text, name, **labels) > _samples(before, name, **labels):
            return text
        if time.monotonic() > deadline:
            return text
        await asyncio.sleep(0.05)


@pytest.mark.services
async def test_every_service_reports_health_metrics_and_json_logs(
    start_system: Any, players: Any
) -> None:
    # Persistence logs each write at DEBUG: shown here to follow a command into it.
    system = start_system("distributed", PERSISTENCE_LOG_LEVEL="debug")
    ports = _internal_ports(system)
    async with httpx.AsyncClient(timeout=10) as http:
        for service, port in ports.items():
            for path in ("/healthz", "/readyz"):
                response = await http.get(f"http://127.0.0.1:{port}{path}")
                assert response.status_code == 200, (service, path, response.text)
                body = response.json()
                assert body["status"] == "ok"
                assert body["service"] == service
        # Readiness names what it checked.
        assert {"database"} <= set(
            (await http.get(f"http://127.0.0.1:{ports['auth']}/readyz")).json()["checks"]
        )
        # None of it is public.
        for path in OPS_PATHS:
            public = await http.get(system.url + path)
            assert "mythos_" not in public.text and '"checks"' not in public.text, path

        before = {name: await _metrics(http, port) for name, port in ports.items()}
        alice = await players.register_and_login(system.url, f"Ops{uuid.uuid4().hex[:6]}")
        bob = await players.register_and_login(system.url, f"Ops{uuid.uuid4().hex[:6]}")
        await alice.connect(system.url)
        await bob.connect(system.url)
        await alice.event("game_state")
        await bob.event("game_state")
        command_id = await alice.send("say", "metrics", "please")
        said = await alice.response(command_id)
        assert said["success"] is True
        await bob.event("chat_message", message="metrics please")
        walked = await alice.send("north")
        assert (await alice.response(walked))["success"] is True
        # A command is answered once its effects are confirmed by the broker; persistence
        # writes them to the database after that, so its counters are read once they move.
        persisted = await _metrics_once_moved(
            http,
            ports["persistence"],
            before["persistence"],
            "mythos_persistence_writes_total",
            outcome="ok",
        )
        after = {name: await _metrics(http, port) for name, port in ports.items()}
        after["persistence"] = persisted

        def moved(service: str, name: str, **labels: str) -> float:
            return _samples(after[service], name, **labels) - _samples(
                before[service], name, **labels
            )

        assert moved("game", "mythos_game_commands_total", command="say", outcome="ok") == 1
        assert moved("game", "mythos_game_command_seconds_count", command="say") == 1
        assert _samples(after["game"], "mythos_game_players_online") >= 2
        assert moved("game", "mythos_bus_published_total") > 0
        assert _samples(after["edge"], "mythos_edge_connections") == 2
        assert moved("edge", "mythos_edge_connections_opened_total") == 2
        assert moved("edge", "mythos_edge_commands_forwarded_total") >= 1
        assert moved("edge", "mythos_edge_messages_delivered_total") >= 4
        assert moved("edge", "mythos_bus_delivered_total", outcome="ack") > 0
        assert moved("persistence", "mythos_persistence_writes_total", outcome="ok") > 0
        assert moved("persistence", "mythos_persistence_db_write_seconds_count") > 0
        assert moved("auth", "mythos_auth_logins_total", outcome="ok") == 2
        assert moved("auth", "mythos_auth_requests_total", route="/auth/login", status="200") == 2
        assert _samples(after["game"], "mythos_bus_connected") == 1
        assert 'mythos_bus_queue_depth{queue="' in after["game"]

        await alice.close()
        await bob.close()

    # One JSON object per service line, with the ids that follow a command.
    lines = system.log_lines()
    assert {"auth", "edge", "game", "persistence"} <= {line["service"] for line in lines}
    for line in lines:
        assert {"ts", "level", "service", "logger", "msg"} <= set(line), line
    handled = [
        line for line in lines if line["service"] == "game" and line.get("command_id") == command_id
    ]
    assert [line["msg"] for line in handled].count("command handled") == 1
    (done,) = [line for line in handled if line["msg"] == "command handled"]
    assert done["command"] == "say" and done["outcome"] == "ok"
    assert isinstance(done["duration_ms"], int | float)
    # The edge line of the connection the command came through carries the same ids.
    edge_lines = [
        line
        for line in lines
        if line["service"] == "edge" and line.get("connection_id") == done["connection_id"]
    ]
    # (The first lines of a handshake come before the token names the player.)
    assert {line.get("player_id", done["player_id"]) for line in edge_lines} == {done["player_id"]}
    assert any(line["msg"] == "connection opened" for line in edge_lines), edge_lines
    # The move's save reached persistence with the command's id (carried by the bus);
    # it is written after the move is answered, so the log is read again until it shows.
    deadline = time.monotonic() + 15
    while (
        not any(
            line["service"] == "persistence" and line.get("command_id") == walked for line in lines
        )
        and time.monotonic() < deadline
    ):
        await asyncio.sleep(0.1)
        lines = system.log_lines()
    saves = [line for line in lines if line["service"] == "persistence"]
    assert any(line.get("command_id") == walked for line in saves), saves[-5:]
    # No secret reached the log.
    text = system.log_text()
    assert alice.token not in text and bob.token not in text
    assert PASSWORD not in text


@pytest.mark.services
async def test_a_say_costs_the_game_one_publish(start_system: Any, players: Any) -> None:
    # The speaker's answer rides on the room event its edge receives anyway (the
    # broker's cheapest message is the one not sent): counted at the game's bus.
    system = start_system("distributed")
    game = _internal_ports(system)["game"]
    alice = await players.register_and_login(system.url, f"Ops{uuid.uuid4().hex[:6]}")
    bob = await players.register_and_login(system.url, f"Ops{uuid.uuid4().hex[:6]}")
    await alice.connect(system.url)
    await bob.connect(system.url)
    await alice.event("game_state")
    await bob.event("game_state")
    for player in (alice, bob):  # by the answer, each edge has bound the room
        await player.response(await player.send("look"))

    async def one_say(text: str) -> tuple[float, float]:
        """(bus publishes on the events exchange, event messages) the say caused, besides
        heartbeats and ticks, which run on their own clock."""
        before = await _metrics(http, game)
        said = await alice.send("say", text)
        assert (await alice.response(said))["result"] == f"You say: {text}"
        await bob.event("chat_message", message=text)
        after = await _metrics(http, game)

        def moved(name: str, **labels: str) -> float:
            return _samples(after, name, **labels) - _samples(before, name, **labels)

        clocked = sum(moved("mythos_game_events_total", type=t) for t in ("heartbeat", "game_tick"))
        published = moved("mythos_bus_published_total", exchange="mythos.events") - clocked
        return published, moved("mythos_game_events_total") - clocked

    async with httpx.AsyncClient(timeout=10) as http:
        counts = [await one_say(f"counted {i}") for i in range(3)]
    # Each say is two messages (Bob's line, Alice's answer), and never more than two
    # publishes; it is one as soon as Alice's room is bound, which the look made sure of.
    assert all(events == 2 for _, events in counts), counts
    assert all(published in (1, 2) for published, _ in counts), counts
    assert (1, 2) in counts, counts
    await alice.close()
    await bob.close()
