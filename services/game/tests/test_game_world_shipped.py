"""The shipped world: big enough, split into zones and sub-zones, connected, and
every room written (no placeholders, no copy-pasted descriptions)."""

from __future__ import annotations

import json
from collections import Counter, deque
from pathlib import Path

import pytest
from mythos_contracts.routing import is_routable_id
from mythos_game.adapters.world_files import load_world, room_files
from mythos_game.domain.world import World

WORLD_DIR = Path(__file__).resolve().parents[1] / "world"

# The rooms and exits the walking skeleton shipped with; saved players and the
# black-box tests rely on them.
ORIGINAL_EXITS = {
    "independence-square": {
        "north": "miskatonic-quad",
        "south": "river-street-docks",
        "east": "french-hill-road",
    },
    "miskatonic-quad": {
        "south": "independence-square",
        "north": "orne-library",
        "east": "science-hall",
    },
    "river-street-docks": {"north": "independence-square"},
    "french-hill-road": {"west": "independence-square", "up": "witch-house-attic"},
    "witch-house-attic": {"down": "french-hill-road"},
    "orne-library": {"south": "miskatonic-quad"},
    "science-hall": {"west": "miskatonic-quad"},
}


@pytest.fixture(scope="module")
def world() -> World:
    return load_world(WORLD_DIR)


def _walkable(world: World) -> set[str]:
    """Rooms a player can actually walk to today: through visible, unlocked exits."""
    seen = {world.start_room}
    queue = deque([world.start_room])
    while queue:
        for way in world.room(queue.popleft()).exits.values():
            if not way.locked and not way.hidden and way.target not in seen:
                seen.add(way.target)
                queue.append(way.target)
    return seen


def test_at_least_forty_rooms_in_at_least_three_zones_with_subzones(world: World) -> None:
    assert len(world.rooms) >= 40
    subzones: dict[str, set[str]] = {}
    for room in world.rooms.values():
        assert room.zone_id and room.zone and room.subzone_id and room.subzone, room.id
        subzones.setdefault(room.zone_id, set()).add(room.subzone_id)
    assert len(subzones) >= 3
    for zone_id, parts in subzones.items():
        assert len(parts) >= 2, f"zone {zone_id} has one sub-zone"


def test_zone_and_subzone_names_are_consistent(world: World) -> None:
    zone_names: dict[str, set[str]] = {}
    subzone_names: dict[tuple[str, str], set[str]] = {}
    for room in world.rooms.values():
        zone_names.setdefault(room.zone_id, set()).add(room.zone)
        subzone_names.setdefault((room.zone_id, room.subzone_id), set()).add(room.subzone)
    assert all(len(names) == 1 for names in zone_names.values())
    assert all(len(names) == 1 for names in subzone_names.values())
    assert len({n for names in zone_names.values() for n in names}) == len(zone_names)


def test_the_start_room_and_the_original_exits_are_kept(world: World) -> None:
    assert world.start_room == "independence-square"
    for room_id, exits in ORIGINAL_EXITS.items():
        room = world.room(room_id)
        for direction, target in exits.items():
            way = room.exit(direction)
            assert way is not None, (room_id, direction)
            assert way.target == target and not (way.locked or way.hidden), (room_id, direction)
    assert world.room("miskatonic-quad").exit("west") is None


def test_every_room_is_reachable_and_most_can_be_walked_to(world: World) -> None:
    # load_world refuses a world with unreachable rooms; this is about play.
    walkable = _walkable(world)
    assert len(walkable) >= 40
    behind_doors = set(world.rooms) - walkable
    assert behind_doors, "the world should keep some secrets behind locked or hidden exits"


def test_exit_flags_are_all_used(world: World) -> None:
    ways = [way for room in world.rooms.values() for way in room.exits.values()]
    assert any(w.locked for w in ways)
    assert any(w.hidden for w in ways)
    assert any(w.one_way for w in ways)


def test_descriptions_are_written_and_unique(world: World) -> None:
    descriptions = Counter(room.description for room in world.rooms.values())
    assert [d for d, n in descriptions.items() if n > 1] == []
    names = Counter(room.name for room in world.rooms.values())
    assert [n for n, count in names.items() if count > 1] == []
    for room in world.rooms.values():
        text = room.description
        assert text == text.strip() and len(text) >= 150, room.id
        assert text.endswith((".", "!", "?", "'", '"')), room.id
        lowered = text.lower()
        for placeholder in ("todo", "tbd", "lorem", "placeholder", "xxx", "fixme"):
            assert placeholder not in lowered, (room.id, placeholder)


def test_room_ids_fit_in_routing_keys(world: World) -> None:
    for room_id in world.rooms:
        assert is_routable_id(room_id) and room_id == room_id.lower(), room_id


def test_files_are_laid_out_as_zone_folder_and_subzone_file() -> None:
    files = sorted(p for p in room_files(WORLD_DIR) if p.parent != WORLD_DIR)
    assert files
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        expected = f"{data['zone']['id']}/{data['subzone']['id']}.json"
        assert path.relative_to(WORLD_DIR).as_posix() == expected
