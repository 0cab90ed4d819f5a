"""The shard map (docs/design/shards.md §3): each start check refuses a broken map with a
message naming the map and the zone or shard at fault; the shipped maps (the built-in
one and services/game/world/shards.2.json) pass them. The Kubernetes ConfigMap is
checked with these functions where the manifests are rendered
(infra/k8s/tests/test_k8s_shards.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from mythos_game.adapters.shard_map_file import place_shard, read_shard_map
from mythos_game.adapters.world_files import load_world, room_files
from mythos_game.domain.shard_map import (
    BUILT_IN,
    LOBBY,
    NOT_ACROSS_SHARDS,
    ShardMap,
    ShardMapError,
    check_built,
    check_shard,
    check_zones,
    parse_shard_map,
    whole_world,
)
from mythos_game.settings import GameSettings

REPO = Path(__file__).resolve().parents[3]
WORLD_DIR = REPO / "services" / "game" / "world"
ZONES = {"downtown", "french-hill", "miskatonic-university", "river-district", "uptown"}


def parsed(data: Any, source: str = "shards.json") -> ShardMap:
    return parse_shard_map(json.dumps(data), source)


def two_shards(s1: list[str], s2: list[str]) -> ShardMap:
    return parsed({"version": 2, "shards": {"s1": {"zones": s1}, "s2": {"zones": s2}}})


def refused(message: str) -> Any:
    """``pytest.raises`` for a ``ShardMapError`` whose whole message is ``message``."""
    return pytest.raises(ShardMapError, match="^" + re.escape(message) + "$")


# ---------------------------------------------------------------- 1. the schema


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{nope",
            "shards.json: not JSON (line 1): Expecting property name enclosed in double quotes",
        ),
        (b"\xff\xfe", "shards.json: not UTF-8 text: invalid start byte"),
        (
            '{"version": 1, "shards": {"s1": {"zones": []}, "s1": {"zones": ["uptown"]}}}',
            "shards.json: key 's1' appears twice in one object",
        ),
        (
            "[]",
            "shards.json: field '(the whole file)': Input should be a valid dictionary or instance of ShardMapFile",
        ),
        ('{"shards": {"s1": {"zones": []}}}', "shards.json: field 'version': Field required"),
        (
            '{"version": 0, "shards": {"s1": {"zones": []}}}',
            "shards.json: field 'version': Input should be greater than or equal to 1",
        ),
        (
            '{"version": "3", "shards": {"s1": {"zones": []}}}',
            "shards.json: field 'version': Input should be a valid integer",
        ),
        (
            '{"version": 1, "shards": {}}',
            "shards.json: field 'shards': Dictionary should have at least 1 item after validation, not 0",
        ),
        (
            '{"version": 1, "shards": {"s1": {"zones": "uptown"}}}',
            "shards.json: field 'shards.s1.zones': Input should be a valid list",
        ),
        (
            '{"version": 1, "shards": {"s1": {"zones": [""]}}}',
            "shards.json: field 'shards.s1.zones.0': String should have at least 1 character",
        ),
        (
            '{"version": 1, "shards": {"s1": {"zones": []}}, "owner": "x"}',
            "shards.json: field 'owner': Extra inputs are not permitted",
        ),
        (
            '{"version": 1, "shards": {"s1": {"zonez": []}}}',
            "shards.json: field 'shards.s1.zones': Field required (and 1 more)",
        ),
    ],
)
def test_check_1_the_schema_and_version(text: str | bytes, message: str) -> None:
    with refused(message):
        parse_shard_map(text, "shards.json")


def test_a_valid_map_keeps_its_version_shards_and_zone_order() -> None:
    shard_map = two_shards(["uptown", "downtown"], [])
    assert shard_map.version == 2 and shard_map.source == "shards.json"
    assert dict(shard_map.shards) == {"s1": ("uptown", "downtown"), "s2": ()}
    assert shard_map.zones_of("s1") == ("uptown", "downtown")
    assert shard_map.zones_of(LOBBY) == () and shard_map.zones_of("s9") == ()
    assert shard_map.ownership("s1") == (
        f"shard s1 of shards.json (version 2) owns zones: uptown, downtown; {NOT_ACROSS_SHARDS}"
    )
    assert shard_map.ownership(LOBBY).startswith(
        "shard lobby of shards.json (version 2) owns zones: none; "
    )


# ---------------------------------------------------------------- 2. shard ids


@pytest.mark.parametrize(
    ("shard", "message"),
    [
        (
            "lobby",
            "shard id 'lobby' is reserved: the lobby owns no zones (run it with GAME_SHARD=lobby)",
        ),
        ("_all", "shard id '_all' starts with '_', which is kept for keys such as command._all"),
        ("_edge", "shard id '_edge' starts with '_', which is kept for keys such as command._all"),
        ("s.1", "shard id 's.1' cannot go into a routing key (1 to 128 of A-Z a-z 0-9 _ -)"),
        ("s 1", "shard id 's 1' cannot go into a routing key (1 to 128 of A-Z a-z 0-9 _ -)"),
        ("", "shard id '' cannot go into a routing key (1 to 128 of A-Z a-z 0-9 _ -)"),
        (
            "s" * 129,
            f"shard id '{'s' * 129}' cannot go into a routing key (1 to 128 of A-Z a-z 0-9 _ -)",
        ),
    ],
)
def test_check_2_shard_ids_are_routable_words_not_lobby_not_underscored(
    shard: str, message: str
) -> None:
    data = {"version": 1, "shards": {"s1": {"zones": []}, shard: {"zones": []}}}
    with refused(f"shards.json: {message}"):
        parsed(data)


@pytest.mark.parametrize("shard", ["s1", "east-side", "Shard_2", "s" * 128, "lobby2", "s_"])
def test_check_2_accepts_routable_words(shard: str) -> None:
    assert list(parsed({"version": 1, "shards": {shard: {"zones": []}}}).shards) == [shard]


# ---------------------------------------------------------------- 3. zones


def test_check_3_a_zone_in_two_shards_names_both() -> None:
    shard_map = two_shards(["downtown", "uptown"], ["uptown", "french-hill"])
    with refused("shards.json: zone 'uptown' is in s1 and s2"):
        check_zones(shard_map, ZONES)


def test_check_3_a_zone_listed_twice_in_one_shard() -> None:
    shard_map = two_shards(["downtown", "uptown", "downtown"], [])
    with refused("shards.json: zone 'downtown' is listed twice in s1"):
        check_zones(shard_map, ZONES)


def test_check_3_zones_owned_by_no_shard_are_listed() -> None:
    shard_map = two_shards(["downtown"], ["river-district"])
    with refused(
        "shards.json: zones owned by no shard: french-hill, miskatonic-university, uptown"
    ):
        check_zones(shard_map, ZONES)


def test_check_3_a_zone_the_world_lacks() -> None:
    shard_map = two_shards(sorted(ZONES), ["arkham-harbor", "innsmouth"])
    with refused(
        "shards.json: shard s2 names zones the world does not have: arkham-harbor, innsmouth"
    ):
        check_zones(shard_map, ZONES)


def test_check_3_a_shard_may_own_no_zones() -> None:
    check_zones(two_shards(sorted(ZONES), []), ZONES)
    check_zones(two_shards([], sorted(ZONES)), ZONES)


# ---------------------------------------------------------------- 4. GAME_SHARD


def test_check_4_game_shard_must_be_a_shard_of_the_map_or_the_lobby() -> None:
    shard_map = two_shards(sorted(ZONES), [])
    check_shard(shard_map, "s1")
    check_shard(shard_map, "s2")
    check_shard(shard_map, LOBBY)
    with refused("GAME_SHARD=s3 is not a shard of shards.json (s1, s2) nor lobby"):
        check_shard(shard_map, "s3")
    with refused(f"GAME_SHARD=S1 is not a shard of {BUILT_IN} (s1) nor lobby"):
        check_shard(whole_world(ZONES), "S1")


# ------------------------------------------------- what one game can run today


def test_until_the_lobby_is_built_s1_takes_the_logins_in_its_place() -> None:
    split = two_shards(
        ["downtown", "uptown"], ["french-hill", "miskatonic-university", "river-district"]
    )
    check_built(split, "s1")
    check_built(split, "s2")
    with refused(
        "GAME_SHARD=lobby: the lobby is not built yet (s1 takes the logins in its place); "
        "run a shard of the map"
    ):
        check_built(split, LOBBY)
    no_s1 = ShardMap(1, {"s2": tuple(sorted(ZONES))}, "shards.json")
    with refused(
        "shards.json: no shard s1: until the lobby is built, s1 takes every login, "
        "so every map needs it"
    ):
        check_built(no_s1, "s2")


def test_a_split_map_says_what_is_not_built_across_shards() -> None:
    split = two_shards(["downtown"], ["uptown"])
    assert split.ownership("s2").endswith("owns zones: uptown; " + NOT_ACROSS_SHARDS)
    assert "who" in NOT_ACROSS_SHARDS and "global" in NOT_ACROSS_SHARDS
    assert whole_world(["downtown"]).ownership("s1").endswith("owns zones: downtown")


# ------------------------------------------------------ the maps that ship


def test_the_built_in_map_gives_every_zone_to_s1() -> None:
    shard_map = place_shard(None, "s1", ZONES)
    assert shard_map.source == BUILT_IN and shard_map.version == 1
    assert dict(shard_map.shards) == {"s1": tuple(sorted(ZONES))}


def test_the_shipped_world_has_the_zones_these_tests_name() -> None:
    assert load_world(WORLD_DIR).zone_ids() == ZONES


def test_shards_2_json_splits_the_shipped_world_in_two() -> None:
    zones = load_world(WORLD_DIR).zone_ids()
    shard_map = read_shard_map(WORLD_DIR / "shards.2.json")
    check_zones(shard_map, zones)
    for shard in ("s1", "s2", LOBBY):
        check_shard(shard_map, shard)
    assert set(shard_map.shards) == {"s1", "s2"}
    assert all(shard_map.zones_of(shard) for shard in shard_map.shards)
    # The start room's zone is s1's; the design's s1 is the shard a single game runs.
    assert load_world(WORLD_DIR).room("independence-square").zone_id in shard_map.zones_of("s1")
    # Runnable: one game per shard, players crossing between them.
    for shard in ("s1", "s2"):
        assert place_shard(WORLD_DIR / "shards.2.json", shard, zones).zones_of(shard)


def test_shard_maps_beside_the_world_are_not_room_files(tmp_path: Path) -> None:
    files = {p.relative_to(WORLD_DIR).as_posix() for p in room_files(WORLD_DIR)}
    assert "shards.2.json" not in files and "downtown/main-street.json" in files
    (tmp_path / "shards.json").write_text("{}")
    (tmp_path / "shards.prod.json").write_text("{}")
    (tmp_path / "shardsmith.json").write_text("{}")
    assert [p.name for p in room_files(tmp_path)] == ["shardsmith.json"]


def test_an_unreadable_map_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "shards.json"
    with refused(f"{missing}: cannot read the shard map: No such file or directory"):
        read_shard_map(missing)


def test_the_settings_and_their_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = GameSettings()
    assert settings.shard_map is None and settings.shard == "s1"
    monkeypatch.setenv("GAME_SHARD_MAP", "/etc/mythos/shards/shards.json")
    monkeypatch.setenv("GAME_SHARD", "lobby")
    settings = GameSettings()
    assert settings.shard_map == Path("/etc/mythos/shards/shards.json")
    assert settings.shard == "lobby"
