"""Who owns each zone now: the map as it started, changed only by newer versions."""

from __future__ import annotations

import json

from mythos_game.domain.shard_map import parse_shard_map
from mythos_game.domain.zone_owners import ZoneOwners

MAP = '{"version": 3, "shards": {"s1": {"zones": ["a", "b"]}, "s2": {"zones": ["c"]}}}'


def owners(shard: str = "s1") -> ZoneOwners:
    return ZoneOwners(parse_shard_map(MAP, "test map"), shard)


def test_the_file_gives_each_zone_its_owner_at_the_files_version() -> None:
    live = owners()
    assert [live.owner(z) for z in "abc"] == ["s1", "s1", "s2"]
    assert live.version_of("a") == 3 and live.version_of("x") == 0
    assert live.owner("x") is None
    assert live.owns("a") and not live.owns("c")
    assert live.version == 3 and live.moved() == {}


def test_a_move_applies_once_and_only_above_the_zones_version() -> None:
    live = owners()
    version = live.next_version()
    assert version == 4
    assert live.apply("b", "s2", version)
    assert not live.apply("b", "s2", version)  # heard twice
    assert not live.apply("b", "s1", 3)  # older than what is known
    assert live.owner("b") == "s2" and not live.owns("b")
    assert live.zones_of("s2") == ("b", "c")
    assert live.moved() == {"b": ("s2", 4)}
    assert live.next_version() == 5


def test_unknown_zones_and_shards_change_nothing() -> None:
    live = owners()
    assert not live.apply("x", "s2", 9)
    assert not live.apply("a", "s9", 9)
    assert live.version == 3


def test_another_instance_catches_up_from_what_moved() -> None:
    first, second = owners("s1"), owners("s2")
    first.apply("a", "s2", first.next_version())
    first.apply("a", "s1", first.next_version())
    second.apply_all(first.moved())
    assert second.owner("a") == "s1" and second.version_of("a") == 5
    assert second.owns("c")


def test_the_live_map_as_a_file_parses_back_to_the_same_owners() -> None:
    live = owners()
    live.apply("a", "s2", live.next_version())
    text = live.as_file()
    again = ZoneOwners(parse_shard_map(text, "written"), "s1")
    assert json.loads(text)["version"] == 4
    assert [again.owner(z) for z in "abc"] == ["s2", "s1", "s2"]
