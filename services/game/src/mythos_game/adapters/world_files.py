"""Loads the world from its data files and refuses a broken one with a clear message.

Layout (see ``services/game/world/README.md``): ``<dir>/world.json`` names the start
room; every other ``*.json`` under ``<dir>`` (sub-folders included, ``*.schema.json``
excepted) is a room file holding the rooms of one sub-zone::

    {"zone": {"id", "name"}, "subzone": {"id", "name"},
     "rooms": [{"id", "name", "description", "exits": {"north": "<room id>",
                "down": {"target": "<room id>", "flags": ["locked"]}}}]}

Every message starts with the file (relative to ``<dir>``) and names the field.

``python -m mythos_game.adapters.world_files schema`` prints the JSON Schema of a room
file (committed as ``world/room-file.schema.json``; a test keeps it current).
"""

from __future__ import annotations

import json
import re
import sys
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args

from mythos_contracts.routing import is_routable_id
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from mythos_game.domain.world import DIRECTION_WORDS, Exit, Room, World, opposite_direction

M = TypeVar("M", bound=BaseModel)

MANIFEST = "world.json"
SCHEMA_FILE = "room-file.schema.json"
ID_PATTERN = r"^[a-z0-9_-]{1,64}$"

Direction = Literal[
    "north",
    "south",
    "east",
    "west",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
    "up",
    "down",
]
Flag = Literal["locked", "hidden", "one_way"]
assert get_args(Direction) == tuple(DIRECTION_WORDS), "Direction must list DIRECTION_WORDS"

WorldId = Annotated[
    str,
    Field(
        pattern=ID_PATTERN,
        description="lower-case letters, digits, '_' and '-' (ids go into routing keys)",
    ),
]


class WorldError(ValueError):
    """The world files are inconsistent; the message names the file and the field."""


class ExitSpec(BaseModel):
    """An exit with flags. A bare room id string is the same exit without flags."""

    model_config = ConfigDict(extra="forbid")
    target: WorldId = Field(description="the room this exit leads to")
    flags: list[Flag] = Field(
        default_factory=list,
        description=(
            "locked: listed but impassable; hidden: neither listed nor passable; "
            "one_way: needs no return exit"
        ),
    )


def _bare_target(value: object) -> object:
    return {"target": value} if isinstance(value, str) else value


ExitField = Annotated[
    ExitSpec, BeforeValidator(_bare_target, json_schema_input_type=WorldId | ExitSpec)
]


class AreaSpec(BaseModel):
    """A zone or a sub-zone: an id and the name players read."""

    model_config = ConfigDict(extra="forbid")
    id: WorldId
    name: str = Field(min_length=1, max_length=80, pattern=r"\S")


class RoomSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: WorldId = Field(description="unique across the whole world")
    name: str = Field(min_length=1, max_length=80, pattern=r"\S")
    description: str = Field(min_length=1, pattern=r"\S")
    exits: dict[Direction, ExitField] = Field(
        default_factory=dict,
        description="direction -> room id, or an exit object with flags",
    )


class RoomFile(BaseModel):
    """The rooms of one sub-zone of one zone."""

    model_config = ConfigDict(
        extra="forbid",
        title="Mythos room file",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )
    schema_ref: str = Field(
        default="",
        alias="$schema",
        title="$schema",
        description="optional: path of this schema, for editors",
    )
    zone: AreaSpec
    subzone: AreaSpec
    rooms: list[RoomSpec] = Field(min_length=1)


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start_room: WorldId


def room_file_schema() -> dict[str, Any]:
    """The JSON Schema of a room file, as committed in ``world/room-file.schema.json``."""
    return RoomFile.model_json_schema(by_alias=True)


def room_file_schema_text() -> str:
    return json.dumps(room_file_schema(), indent=2, ensure_ascii=False) + "\n"


@dataclass
class _Loaded:
    """A room as read, with where it came from (for messages)."""

    room: Room
    file: str
    field: str


def load_world(directory: Path) -> World:
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise WorldError(f"{directory}: {MANIFEST} is missing")
    manifest = _validated(Manifest, manifest_path, MANIFEST)

    loaded: dict[str, _Loaded] = {}
    zone_names: dict[str, tuple[str, str]] = {}  # zone id -> (name, file)
    subzones: dict[tuple[str, str], str] = {}  # (zone id, sub-zone id) -> file
    for path in _room_files(directory):
        name = path.relative_to(directory).as_posix()
        spec = _validated(RoomFile, path, name)
        _check_areas(spec, name, zone_names, subzones)
        for index, room_spec in enumerate(spec.rooms):
            if room_spec.id in loaded:
                raise WorldError(
                    f"{name}: field 'rooms.{index}.id': duplicate room id '{room_spec.id}' "
                    f"(first defined in {loaded[room_spec.id].file})"
                )
            assert is_routable_id(room_spec.id)
            loaded[room_spec.id] = _Loaded(_room(spec, room_spec), name, f"rooms[{room_spec.id}]")
    if not loaded:
        raise WorldError(f"{directory}: no room files next to {MANIFEST}")

    _check_exits(loaded)
    if manifest.start_room not in loaded:
        raise WorldError(f"{MANIFEST}: field 'start_room': unknown room '{manifest.start_room}'")
    _check_connected(loaded, manifest.start_room)
    return World(rooms={rid: it.room for rid, it in loaded.items()}, start_room=manifest.start_room)


def _room_files(directory: Path) -> list[Path]:
    return sorted(
        path
        for path in directory.rglob("*.json")
        if path.is_file()
        and path != directory / MANIFEST
        and not path.name.endswith(".schema.json")
    )


def _room(spec: RoomFile, room: RoomSpec) -> Room:
    exits: dict[str, Exit] = {}
    for direction in get_args(Direction):  # the canonical order, whatever the file's
        given = room.exits.get(direction)
        if given is not None:
            flags = set(given.flags)
            exits[direction] = Exit(
                given.target,
                locked="locked" in flags,
                hidden="hidden" in flags,
                one_way="one_way" in flags,
            )
    return Room(
        room.id,
        room.name,
        room.description,
        zone_id=spec.zone.id,
        zone=spec.zone.name,
        subzone_id=spec.subzone.id,
        subzone=spec.subzone.name,
        exits=exits,
    )


def _check_areas(
    spec: RoomFile,
    name: str,
    zone_names: dict[str, tuple[str, str]],
    subzones: dict[tuple[str, str], str],
) -> None:
    known = zone_names.setdefault(spec.zone.id, (spec.zone.name, name))
    if known[0] != spec.zone.name:
        raise WorldError(
            f"{name}: field 'zone.name': zone '{spec.zone.id}' is called '{spec.zone.name}' "
            f"here but '{known[0]}' in {known[1]}"
        )
    key = (spec.zone.id, spec.subzone.id)
    if key in subzones:
        raise WorldError(
            f"{name}: field 'subzone.id': sub-zone '{spec.subzone.id}' of zone "
            f"'{spec.zone.id}' is already defined in {subzones[key]} (one file per sub-zone)"
        )
    subzones[key] = name


def _check_exits(loaded: Mapping[str, _Loaded]) -> None:
    """Every exit leads somewhere, and every two-way exit has its way back."""
    for item in loaded.values():
        for direction, way in item.room.exits.items():
            if way.target not in loaded:
                raise WorldError(
                    f"{item.file}: field '{item.field}.exits.{direction}': "
                    f"exit leads to unknown room '{way.target}'"
                )
    for item in loaded.values():
        for direction, way in item.room.exits.items():
            if way.one_way:
                continue
            back = opposite_direction(direction)
            there = loaded[way.target]
            answer = there.room.exits.get(back)
            if answer is None or answer.target != item.room.id:
                found = "has none" if answer is None else f"leads to '{answer.target}'"
                raise WorldError(
                    f"{item.file}: field '{item.field}.exits.{direction}': two-way exit to "
                    f"'{way.target}' has no way back: its exit {back} ({there.file}, "
                    f"'{there.field}.exits.{back}') {found} instead of leading to "
                    f"'{item.room.id}'; add it, or flag this exit one_way"
                )


def _check_connected(loaded: Mapping[str, _Loaded], start: str) -> None:
    """Every room can be reached from the start room, and the start room from every room.

    Every exit counts, locked and hidden ones too: they are still part of the map."""
    forward: dict[str, set[str]] = {rid: set() for rid in loaded}
    backward: dict[str, set[str]] = {rid: set() for rid in loaded}
    for rid, item in loaded.items():
        for way in item.room.exits.values():
            forward[rid].add(way.target)
            backward[way.target].add(rid)

    stranded = sorted(set(loaded) - _reachable(forward, start))
    if stranded:
        first = loaded[stranded[0]]
        raise WorldError(
            f"{first.file}: field '{first.field}': room cannot be reached from the start "
            f"room '{start}' (unreachable: {', '.join(stranded)})"
        )
    trapped = sorted(set(loaded) - _reachable(backward, start))
    if trapped:
        first = loaded[trapped[0]]
        raise WorldError(
            f"{first.file}: field '{first.field}': no way leads from this room back to the "
            f"start room '{start}', a one_way exit traps players here "
            f"(trapped: {', '.join(trapped)})"
        )


def _reachable(graph: Mapping[str, set[str]], start: str) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for target in graph[queue.popleft()]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _read(path: Path, name: str) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise WorldError(f"{name}: not UTF-8 text: {exc.reason}") from exc
    except json.JSONDecodeError as exc:
        raise WorldError(f"{name}: not valid JSON (line {exc.lineno}): {exc.msg}") from exc


def _validated(model: type[M], path: Path, name: str) -> M:
    raw = _read(path, name)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        where, message = _explain(errors[0], raw)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise WorldError(f"{name}: field '{where}': {message}{more}") from exc


def _explain(error: Any, raw: object) -> tuple[str, str]:
    """A pydantic error as (field path, message); rooms are named by id when it is valid."""
    loc = list(error["loc"])
    message = str(error["msg"])
    if loc and loc[-1] == "[key]":
        loc.pop()
        if len(loc) >= 2 and loc[-2] == "exits":
            message = f"unknown direction (use one of {', '.join(DIRECTION_WORDS)})"
    elif error["type"] == "literal_error" and len(loc) >= 2 and loc[-2] == "flags":
        message = f"unknown flag '{error['input']}' (use one of {', '.join(get_args(Flag))})"
    parts: list[str] = []
    for i, part in enumerate(loc):
        if i == 1 and loc[0] == "rooms" and isinstance(part, int):
            room_id = _raw_room_id(raw, part)
            parts[-1] = f"rooms[{room_id}]" if room_id is not None else f"rooms.{part}"
        else:
            parts.append(str(part))
    return ".".join(parts), message


def _raw_room_id(raw: object, index: int) -> str | None:
    """The id of ``rooms[index]`` in the unvalidated data, when it is a valid id."""
    if not isinstance(raw, dict):
        return None
    rooms = raw.get("rooms")
    if not isinstance(rooms, list) or index >= len(rooms) or not isinstance(rooms[index], dict):
        return None
    room_id = rooms[index].get("id")
    if isinstance(room_id, str) and re.fullmatch(ID_PATTERN, room_id):
        return room_id
    return None


def main(argv: list[str]) -> int:
    if argv[1:] == ["schema"]:
        sys.stdout.write(room_file_schema_text())
        return 0
    if len(argv) == 3 and argv[1] == "check":
        try:
            world = load_world(Path(argv[2]))
        except WorldError as exc:
            sys.stderr.write(f"broken world: {exc}\n")
            return 1
        zones = {room.zone_id for room in world.rooms.values()}
        print(f"ok: {len(world.rooms)} rooms in {len(zones)} zones")
        return 0
    sys.stderr.write(
        "usage: python -m mythos_game.adapters.world_files schema | check <world dir>\n"
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
