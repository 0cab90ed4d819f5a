"""The game checks its shard map at start: it runs as today on the built-in map (or a
file giving s1 every zone) and logs its shard and zones; on a broken map it refuses to
start, as it does on a broken world: one error line, exit status 2, no traceback."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from mythos_contracts.bus import Bus
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_game.bootstrap import GameService
from mythos_game.domain.shard_map import BUILT_IN, NOT_ACROSS_SHARDS, ShardMapError
from mythos_game.settings import GameSettings

PeerOn = Callable[[Bus], Awaitable[Any]]
WORLD_DIR = Path(__file__).resolve().parents[1] / "world"
ZONES = ["downtown", "french-hill", "miskatonic-university", "river-district", "uptown"]


def write_map(tmp_path: Path, shards: dict[str, list[str]]) -> Path:
    path = tmp_path / "shards.json"
    data = {"version": 1, "shards": {s: {"zones": zones} for s, zones in shards.items()}}
    path.write_text(json.dumps(data))
    return path


async def started(
    settings: GameSettings, peer_on: PeerOn, caplog: pytest.LogCaptureFixture
) -> tuple[GameService, list[str]]:
    broker = InMemoryBroker()
    await peer_on(InMemoryBus(broker))
    bus = InMemoryBus(broker)
    await bus.connect()
    service = GameService(settings, bus)
    with caplog.at_level(logging.INFO, logger="mythos_game.bootstrap"):
        await service.start()
    assert service.ready
    await service.stop()
    await bus.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "mythos_game.bootstrap"]
    return service, [line for line in lines if line.startswith("shard ")]


async def test_the_built_in_map_runs_the_whole_world_as_s1_and_says_so(
    peer_on: PeerOn, game_settings: Callable[..., GameSettings], caplog: pytest.LogCaptureFixture
) -> None:
    service, lines = await started(game_settings(), peer_on, caplog)
    assert service.shard_map is not None and service.shard_map.source == BUILT_IN
    assert service.shard_map.zones_of("s1") == tuple(ZONES)
    assert lines == [f"shard s1 of {BUILT_IN} (version 1) owns zones: " + ", ".join(ZONES)]


async def test_a_map_file_giving_s1_every_zone_runs_as_today(
    peer_on: PeerOn,
    game_settings: Callable[..., GameSettings],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    path = write_map(tmp_path, {"s1": ZONES[::-1], "s2": []})
    service, lines = await started(game_settings(shard_map=path), peer_on, caplog)
    assert service.shard_map is not None and service.shard_map.source == str(path)
    owned = ", ".join(ZONES[::-1])
    assert lines == [f"shard s1 of {path} (version 1) owns zones: {owned}; {NOT_ACROSS_SHARDS}"]


@pytest.mark.parametrize(
    ("shards", "shard", "message"),
    [
        ({"s1": ZONES, "s2": ["uptown"]}, "s1", "{map}: zone 'uptown' is in s1 and s2"),
        ({"s1": ZONES[:3]}, "s1", "{map}: zones owned by no shard: river-district, uptown"),
        ({"s1": ZONES}, "s2", "GAME_SHARD=s2 is not a shard of {map} (s1) nor lobby"),
        ({"s2": ZONES}, "s2", "{map}: no shard s1: until the lobby is built"),
        ({"s1": ZONES}, "lobby", "GAME_SHARD=lobby: the lobby is not built yet"),
    ],
)
async def test_a_broken_map_stops_the_start_before_anything_is_consumed(
    game_settings: Callable[..., GameSettings],
    tmp_path: Path,
    shards: dict[str, list[str]],
    shard: str,
    message: str,
) -> None:
    path = write_map(tmp_path, shards)
    bus = InMemoryBus(InMemoryBroker())
    await bus.connect()
    service = GameService(game_settings(shard_map=path, shard=shard), bus)
    with pytest.raises(ShardMapError) as refused:
        await service.start()
    assert str(refused.value).startswith(message.format(map=path))
    assert not service.ready and service.term is None
    await service.stop()
    await bus.close()


@pytest.mark.services
@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            json.dumps(
                {"version": 1, "shards": {"s1": {"zones": ZONES}, "s2": {"zones": ["uptown"]}}}
            ),
            "{map}: zone 'uptown' is in s1 and s2",
        ),
        ('{"version": 0, "shards": {}}', "{map}: field 'version': Input should be greater"),
    ],
)
async def test_the_game_process_refuses_to_start_on_a_broken_map(
    amqp_url: str, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "shards.json"
    path.write_text(text)
    env = {
        **os.environ,
        "GAME_AMQP_URL": amqp_url,
        "GAME_HEALTH_PORT": "0",
        "GAME_SHARD_MAP": str(path),
        "GAME_LOG_FORMAT": "json",
    }
    game = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mythos_game",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(game.communicate(), 30)
    finally:
        if game.returncode is None:
            game.kill()
            await game.wait()
    assert game.returncode == 2, (out, err)
    assert b"Traceback" not in out + err, (out, err)
    lines = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    errors = [line for line in lines if line["level"] in ("error", "ERROR")]
    assert len(errors) == 1, lines
    assert errors[0]["msg"].startswith(message.format(map=path)), errors
    assert not any(line["msg"].startswith("shard ") for line in lines)
