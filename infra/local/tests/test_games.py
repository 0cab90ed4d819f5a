"""The launcher's game processes: one active game per shard, then its standbys, each on
its own health port, with the shipped map for a split world."""

from __future__ import annotations

import pytest
from mythos_local.games import game_children, shard_map_file
from mythos_local.settings import LocalSettings
from mythos_local.supervisor import StartupFailed


def _settings(games: int, standbys: int) -> LocalSettings:
    return LocalSettings(
        mythos_games=games, mythos_game_standbys=standbys, mythos_internal_port_base=40001
    )


def _children(games: int, standbys: int) -> list[tuple[str, dict[str, str]]]:
    settings = _settings(games, standbys)
    made = game_children(settings, {"GAME_AMQP_URL": "amqp://x"}, lambda port: f"h:{port}")
    return [(child.name, child.env) for child in made]


def test_one_game_runs_the_whole_world_as_before_shards() -> None:
    (name, env), *rest = _children(1, 0)
    assert (name, rest) == ("game", [])
    assert "GAME_SHARD" not in env and "GAME_SHARD_MAP" not in env
    assert env["GAME_HEALTH_PORT"] == "40002" and env["GAME_STANDBY"] == "false"
    assert env["GAME_AMQP_URL"] == "amqp://x"


def test_two_shards_each_with_a_standby() -> None:
    children = _children(2, 1)
    assert [name for name, _ in children] == [
        "game",
        "game-standby-1",
        "game-s2",
        "game-s2-standby-1",
    ]
    assert [env["GAME_SHARD"] for _, env in children] == ["s1", "s1", "s2", "s2"]
    maps = {env["GAME_SHARD_MAP"] for _, env in children}
    assert maps == {str(shard_map_file(2))}
    assert all(env["GAME_STANDBY"] == "true" for _, env in children)


def test_every_process_of_the_largest_run_has_its_own_port() -> None:
    settings = LocalSettings(
        mythos_games=4, mythos_game_standbys=2, mythos_edges=8, mythos_internal_port_base=40001
    )
    games = [settings.game_port(shard, replica) for shard in range(4) for replica in range(3)]
    others = [settings.port(role) for role in ("auth", "persistence")]
    edges = [settings.port("edge", index) for index in range(8)]
    ports = games + others + edges
    assert len(set(ports)) == len(ports)
    # The test harness and the bench reserve 32 ports: the public one, then these.
    assert max(ports) - settings.mythos_internal_port_base < 31


def test_a_split_without_a_shipped_map_is_refused_with_what_ships() -> None:
    with pytest.raises(StartupFailed, match=r"no shard map shards\.3\.json .*shards\.2\.json"):
        shard_map_file(3)


def test_a_split_bench_world_is_arcs_of_its_ring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYTHOS_WORLD", "bench")
    children = _children(2, 0)
    assert [(name, env["GAME_SHARD"]) for name, env in children] == [
        ("game", "s1"),
        ("game-s2", "s2"),
    ]
    assert all(env["GAME_BENCH_ZONES"] == "2" for _, env in children)
    assert all("GAME_SHARD_MAP" not in env for _, env in children)
