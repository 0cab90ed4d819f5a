"""The world loader refuses broken data with a message naming the file and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mythos_game.adapters.world_files import WorldError, load_world
from mythos_game.domain.world import Exit

SHIPPED = Path(__file__).resolve().parents[1] / "world"


def _zone_file(
    rooms: list[dict[str, Any]], zone: str = "test", subzone: str = "part"
) -> dict[str, Any]:
    return {
        "zone": {"id": zone, "name": zone.title()},
        "subzone": {"id": subzone, "name": subzone.title()},
        "rooms": rooms,
    }


def _write(
    tmp: Path, rooms: list[dict[str, Any]], start: str = "a", name: str = "zone.json"
) -> None:
    (tmp / "world.json").write_text(json.dumps({"start_room": start}))
    (tmp / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp / name).write_text(json.dumps(_zone_file(rooms)))


def _room(rid: str, **exits: Any) -> dict[str, Any]:
    return {"id": rid, "name": rid.upper(), "description": f"Room {rid}.", "exits": exits}


def _fails(tmp: Path, pattern: str) -> None:
    with pytest.raises(WorldError, match=pattern):
        load_world(tmp)


def test_the_shipped_world_loads() -> None:
    world = load_world(SHIPPED)
    assert world.start_room in world.rooms


def test_a_small_world_loads_with_zones_and_exit_flags(tmp_path: Path) -> None:
    _write(
        tmp_path,
        [
            _room("a", north="b", up={"target": "c", "flags": ["locked"]}),
            _room("b", south="a", east={"target": "c", "flags": ["hidden", "one_way"]}),
            _room("c", down="a"),
        ],
        name="test/part.json",
    )
    world = load_world(tmp_path)
    a, b = world.room("a"), world.room("b")
    assert (a.zone_id, a.zone, a.subzone_id, a.subzone) == ("test", "Test", "part", "Part")
    assert a.exits == {"north": Exit("b"), "up": Exit("c", locked=True)}
    assert b.exit("east") == Exit("c", hidden=True, one_way=True)
    assert b.exit("west") is None
    assert list(b.visible_exits()) == ["south"]


def test_exits_are_kept_in_the_canonical_direction_order(tmp_path: Path) -> None:
    _write(
        tmp_path,
        [
            _room("a", up="b", west="c", north="d"),
            _room("b", down="a"),
            _room("c", east="a"),
            _room("d", south="a"),
        ],
    )
    assert list(load_world(tmp_path).room("a").exits) == ["north", "west", "up"]


def test_dangling_exit_names_file_and_field(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a", north="nowhere")])
    _fails(tmp_path, r"^zone.json: field 'rooms\[a\].exits.north': .*unknown room 'nowhere'")


def test_dangling_flagged_exit_is_refused_too(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a", down={"target": "pit", "flags": ["hidden", "one_way"]})])
    _fails(tmp_path, r"zone.json: field 'rooms\[a\].exits.down': .*unknown room 'pit'")


def test_duplicate_id_is_refused_naming_both_files(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a", north="b"), _room("b", south="a")])
    (tmp_path / "more.json").write_text(json.dumps(_zone_file([_room("a")], subzone="more")))
    _fails(
        tmp_path,
        r"^zone.json: field 'rooms.0.id': duplicate room id 'a' \(first defined in more.json\)",
    )


def test_duplicate_id_in_one_file_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a"), _room("a")])
    _fails(tmp_path, r"^zone.json: field 'rooms.1.id': duplicate room id 'a'")


def test_unreachable_room_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a"), _room("island")])
    _fails(tmp_path, r"^zone.json: field 'rooms\[island\]': room cannot be reached.*island")


def test_rooms_behind_locked_and_hidden_exits_count_as_reachable(tmp_path: Path) -> None:
    _write(
        tmp_path,
        [
            _room("a", down={"target": "vault", "flags": ["locked"]}),
            _room("vault", up="a", north={"target": "den", "flags": ["hidden"]}),
            _room("den", south="vault"),
        ],
    )
    assert set(load_world(tmp_path).rooms) == {"a", "vault", "den"}


def test_a_room_reached_only_through_a_one_way_exit_with_no_way_out_is_refused(
    tmp_path: Path,
) -> None:
    _write(tmp_path, [_room("a", down={"target": "pit", "flags": ["one_way"]}), _room("pit")])
    _fails(tmp_path, r"^zone.json: field 'rooms\[pit\]': no way leads from this room back")


def test_one_way_exits_need_no_way_back(tmp_path: Path) -> None:
    _write(
        tmp_path,
        [
            _room("a", down={"target": "pit", "flags": ["one_way"]}),
            _room("pit", east={"target": "a", "flags": ["one_way"]}),
        ],
    )
    assert load_world(tmp_path).room("pit").exit("east") == Exit("a", one_way=True)


def test_two_way_exit_without_a_way_back_names_file_and_field(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a", north="b"), _room("b")])
    _fails(
        tmp_path,
        r"^zone.json: field 'rooms\[a\].exits.north': two-way exit to 'b' has no way back: "
        r"its exit south \(zone.json, 'rooms\[b\].exits.south'\) has none.*one_way",
    )


def test_two_way_exit_whose_way_back_leads_elsewhere_is_refused(tmp_path: Path) -> None:
    _write(
        tmp_path,
        [_room("a", north="b", east="c"), _room("b", south="c"), _room("c", west="a", north="b")],
    )
    _fails(tmp_path, r"'rooms\[a\].exits.north'.*exit south .* leads to 'c' instead of .*'a'")


def test_a_way_back_in_another_direction_is_not_a_way_back(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a", north="b"), _room("b", west="a")])
    _fails(tmp_path, r"'rooms\[a\].exits.north': two-way exit to 'b' has no way back")


def test_unknown_direction_names_file_and_field(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a", sideways="a")])
    _fails(tmp_path, r"^zone.json: field 'rooms\[a\].exits.sideways': unknown direction \(use")


def test_abbreviated_direction_is_not_a_file_direction(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a", n="a")])
    _fails(tmp_path, r"field 'rooms\[a\].exits.n': unknown direction")


def test_unknown_flag_names_file_and_field(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a", up={"target": "a", "flags": ["one_way", "trapped"]})])
    _fails(
        tmp_path,
        r"^zone.json: field 'rooms\[a\].exits.up.flags.1': unknown flag 'trapped' "
        r"\(use one of locked, hidden, one_way\)",
    )


def test_malformed_exits_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a", up=5)])
    _fails(tmp_path, r"field 'rooms\[a\].exits.up'")
    _write(tmp_path, [_room("a", up={"target": "a", "colour": "red"})])
    _fails(tmp_path, r"field 'rooms\[a\].exits.up.colour'")
    _write(tmp_path, [_room("a", up="Not An Id")])
    _fails(tmp_path, r"field 'rooms\[a\].exits.up.target'")


def test_bad_room_fields_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, [{"id": "A B", "name": "x", "description": "y"}])
    _fails(tmp_path, r"^zone.json: field 'rooms.0.id'")
    _write(tmp_path, [{"id": "a", "name": "x", "description": "   "}])
    _fails(tmp_path, r"^zone.json: field 'rooms\[a\].description'")
    _write(tmp_path, [{"id": "a", "name": "x", "description": "y", "smell": "damp"}])
    _fails(tmp_path, r"^zone.json: field 'rooms\[a\].smell'")
    _write(tmp_path, [])
    _fails(tmp_path, r"^zone.json: field 'rooms'")


def test_zone_and_subzone_are_required_and_checked(tmp_path: Path) -> None:
    (tmp_path / "world.json").write_text(json.dumps({"start_room": "a"}))
    (tmp_path / "zone.json").write_text(json.dumps({"zone": "Test", "rooms": [_room("a")]}))
    _fails(tmp_path, r"^zone.json: field 'zone'")
    bad = _zone_file([_room("a")], zone="Bad Zone")
    (tmp_path / "zone.json").write_text(json.dumps(bad))
    _fails(tmp_path, r"^zone.json: field 'zone.id'")


def test_a_zone_has_one_name(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a", north="b")], name="one.json")
    other = _zone_file([_room("b", south="a")], subzone="other")
    other["zone"]["name"] = "Another Name"
    (tmp_path / "two.json").write_text(json.dumps(other))
    _fails(
        tmp_path, r"^two.json: field 'zone.name': zone 'test' is called 'Another Name'.*one.json"
    )


def test_a_subzone_has_one_file(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a", north="b")], name="one.json")
    (tmp_path / "two.json").write_text(json.dumps(_zone_file([_room("b", south="a")])))
    _fails(
        tmp_path, r"^two.json: field 'subzone.id': sub-zone 'part' .* already defined in one.json"
    )


def test_files_in_subfolders_are_named_by_their_relative_path(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a", north="nowhere")], name="test/part.json")
    _fails(tmp_path, r"^test/part.json: field 'rooms\[a\].exits.north'")


def test_schema_files_are_not_room_files(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a")])
    (tmp_path / "room-file.schema.json").write_text(json.dumps({"type": "object"}))
    assert set(load_world(tmp_path).rooms) == {"a"}


def test_invalid_json_and_missing_start(tmp_path: Path) -> None:
    (tmp_path / "world.json").write_text("{nope")
    _fails(tmp_path, r"world\.json: not valid JSON")
    _write(tmp_path, [_room("a")], start="zzz")
    _fails(tmp_path, r"^world.json: field 'start_room': unknown room 'zzz'")
    (tmp_path / "world.json").unlink()
    _fails(tmp_path, r"world.json is missing")


def test_invalid_json_in_a_room_file_names_it(tmp_path: Path) -> None:
    _write(tmp_path, [_room("a")])
    (tmp_path / "zone.json").write_text('{"zone": ')
    _fails(tmp_path, r"^zone.json: not valid JSON \(line 1\)")


def test_a_world_without_room_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "world.json").write_text(json.dumps({"start_room": "a"}))
    _fails(tmp_path, r"no room files")
