"""The world loader refuses broken data with a message naming the file and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mythos_game.adapters.world_files import WorldError, load_world

SHIPPED = Path(__file__).resolve().parents[1] / "world"


def _write(
    tmp: Path, rooms: list[dict[str, object]], start: str = "a", name: str = "zone.json"
) -> None:
    (tmp / "world.json").write_text(json.dumps({"start_room": start}))
    (tmp / name).write_text(json.dumps({"zone": "Test", "rooms": rooms}))


def _room(rid: str, **exits: str) -> dict[str, object]:
    return {"id": rid, "name": rid.upper(), "description": "A room.", "exits": exits}


def test_the_shipped_world_loads_with_at_least_five_connected_rooms() -> None:
    world = load_world(SHIPPED)
    assert len(world.rooms) >= 5
    assert world.start_room in world.rooms


def test_dangling_exit_names_file_and_field(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a", north="nowhere")])
    with pytest.raises(WorldError, match=r"zone.json: field 'rooms\[a\].exits.north'.*nowhere"):
        load_world(tmp_path)


def test_duplicate_id_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a", north="b"), _room("b", south="a")])
    (tmp_path / "more.json").write_text(json.dumps({"zone": "X", "rooms": [_room("a")]}))
    with pytest.raises(WorldError, match=r"duplicate room id 'a'"):
        load_world(tmp_path)


def test_unreachable_room_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a"), _room("island")])
    with pytest.raises(WorldError, match=r"cannot be reached.*island"):
        load_world(tmp_path)


def test_unknown_direction_and_bad_field_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a", sideways="a")])
    with pytest.raises(WorldError, match=r"exits.sideways.*unknown direction"):
        load_world(tmp_path)
    _write(tmp_path, [{"id": "A B", "name": "x", "description": "y"}])
    with pytest.raises(WorldError, match=r"zone.json: field 'rooms.0.id'"):
        load_world(tmp_path)


def test_invalid_json_and_missing_start(tmp_path: Path) -> None:
    (tmp_path / "world.json").write_text("{nope")
    with pytest.raises(WorldError, match=r"world\.json: not valid JSON"):
        load_world(tmp_path)
    _write(tmp_path, [_room("a")], start="zzz")
    with pytest.raises(WorldError, match="start_room"):
        load_world(tmp_path)
