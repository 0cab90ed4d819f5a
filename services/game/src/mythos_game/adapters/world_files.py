"""Loads the world from its data files and refuses a broken one with a clear message.

Layout: ``<dir>/world.json`` names the start room; every other ``<dir>/*.json`` is a
zone file ``{"zone": "<zone name>", "rooms": [{"id", "name", "description", "exits"}]}``.
"""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path
from typing import TypeVar

from mythos_contracts.routing import is_routable_id
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mythos_game.domain.world import DIRECTION_WORDS, Room, World

M = TypeVar("M", bound=BaseModel)


class WorldError(ValueError):
    """The world files are inconsistent; the message names the file and the field."""


class RoomFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9_-]{1,64}$")
    name: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1)
    exits: dict[str, str] = Field(default_factory=dict)


class ZoneFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zone: str = Field(min_length=1)
    rooms: list[RoomFile]


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start_room: str


def _read(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise WorldError(f"{path.name}: not valid JSON (line {exc.lineno}): {exc.msg}") from exc


def _validated(model: type[M], path: Path) -> M:
    try:
        return model.model_validate(_read(path))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise WorldError(f"{path.name}: field '{where}': {first['msg']}") from exc


def load_world(directory: Path) -> World:
    manifest_path = directory / "world.json"
    if not manifest_path.is_file():
        raise WorldError(f"{directory}: world.json is missing")
    manifest = _validated(Manifest, manifest_path)

    rooms: dict[str, Room] = {}
    origin: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")):
        if path.name == "world.json" or path.name.endswith(".schema.json"):
            continue
        zone = _validated(ZoneFile, path)
        for index, spec in enumerate(zone.rooms):
            if spec.id in rooms:
                raise WorldError(
                    f"{path.name}: field 'rooms.{index}.id': duplicate room id '{spec.id}' "
                    f"(first defined in {origin[spec.id]})"
                )
            for direction in spec.exits:
                if direction not in DIRECTION_WORDS:
                    raise WorldError(
                        f"{path.name}: field 'rooms.{index}.exits.{direction}': "
                        f"unknown direction (use one of {', '.join(DIRECTION_WORDS)})"
                    )
            assert is_routable_id(spec.id)
            rooms[spec.id] = Room(spec.id, spec.name, spec.description, zone.zone, dict(spec.exits))
            origin[spec.id] = path.name

    for room in rooms.values():
        for direction, target in room.exits.items():
            if target not in rooms:
                raise WorldError(
                    f"{origin[room.id]}: field 'rooms[{room.id}].exits.{direction}': "
                    f"exit leads to unknown room '{target}'"
                )
    if manifest.start_room not in rooms:
        raise WorldError(f"world.json: field 'start_room': unknown room '{manifest.start_room}'")

    reached = _reachable(rooms, manifest.start_room)
    stranded = sorted(set(rooms) - reached)
    if stranded:
        first = stranded[0]
        raise WorldError(
            f"{origin[first]}: field 'rooms[{first}]': room cannot be reached from the start "
            f"room '{manifest.start_room}' (unreachable: {', '.join(stranded)})"
        )
    return World(rooms=rooms, start_room=manifest.start_room)


def _reachable(rooms: dict[str, Room], start: str) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for target in rooms[queue.popleft()].exits.values():
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen
