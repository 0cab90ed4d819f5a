"""Room files and ``world.json``: the map, its exits, and what each room keeps spawning.

A room file holds the rooms of one sub-zone::

    {"zone": {"id", "name"}, "subzone": {"id", "name"},
     "rooms": [{"id", "name", "description", "exits": {"north": "<room id>",
                "down": {"target": "<room id>", "flags": ["locked"]}},
                "flags": ["safe"], "lucidity_per_minute": -1,
                "spawns": [{"npc": "ghoul", "max": 1, "every_seconds": 300}]}]}
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal, get_args

from mythos_contracts.routing import is_routable_id
from pydantic import BeforeValidator, ConfigDict, Field, model_validator

from mythos_game.adapters.world_files.common import (
    DataFile,
    Loaded,
    Name,
    Strict,
    WorldError,
    WorldId,
    json_files,
    validated,
)
from mythos_game.domain.world import (
    DIRECTION_WORDS,
    ROOM_FLAGS,
    Exit,
    Room,
    SpawnRule,
    opposite_direction,
)

MANIFEST = "world.json"
# Top-level names under the world folder that hold other data than rooms.
NOT_ROOMS = ("professions.json", "items", "npcs")
# Top-level shard maps shipped beside the world (shards.json, shards.2.json, ...): not
# part of the world; the game reads the one GAME_SHARD_MAP names.
SHARD_MAP_NAME = re.compile(r"^shards(\.[a-z0-9_-]+)?\.json$")

SPAWN_MAX = 50
SPAWN_PERIOD_MAX_SECONDS = 86_400
LUCIDITY_RATE_MAX = 5.0

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
RoomFlag = Literal["safe", "sanctuary"]
assert get_args(Direction) == tuple(DIRECTION_WORDS), "Direction must list DIRECTION_WORDS"
assert get_args(RoomFlag) == ROOM_FLAGS, "RoomFlag must list ROOM_FLAGS"


class ExitSpec(Strict):
    """An exit with flags. A bare room id string is the same exit without flags."""

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


class SpawnSpec(Strict):
    """Keeps up to ``max`` of one item or NPC coming back to this room."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"oneOf": [{"required": ["item"]}, {"required": ["npc"]}]},
    )
    item: WorldId | None = Field(default=None, description="an item prototype id")
    npc: WorldId | None = Field(default=None, description="an NPC id")
    max: int = Field(ge=1, le=SPAWN_MAX, description="how many at most")
    every_seconds: int = Field(
        ge=1,
        le=SPAWN_PERIOD_MAX_SECONDS,
        description="seconds before one more appears while there are fewer than max",
    )

    @model_validator(mode="after")
    def _one_prototype(self) -> SpawnSpec:
        if (self.item is None) == (self.npc is None):
            raise ValueError("give exactly one of 'item' and 'npc'")
        return self


class AreaSpec(Strict):
    """A zone or a sub-zone: an id and the name players read."""

    id: WorldId
    name: Name


class RoomSpec(Strict):
    id: WorldId = Field(description="unique across the whole world")
    name: Name
    description: Annotated[str, Field(min_length=1, pattern=r"\S")]
    exits: dict[Direction, ExitField] = Field(
        default_factory=dict,
        description="direction -> room id, or an exit object with flags",
    )
    flags: list[RoomFlag] = Field(
        default_factory=list,
        description="safe: nobody may start a fight here; sanctuary: 'pray' works here",
    )
    lucidity_per_minute: float = Field(
        default=0.0,
        ge=-LUCIDITY_RATE_MAX,
        le=LUCIDITY_RATE_MAX,
        description="lucidity gained (negative: lost) per game minute spent here",
    )
    spawns: list[SpawnSpec] = Field(
        default_factory=list, description="items and NPCs this room keeps coming back"
    )


class RoomFile(DataFile):
    """The rooms of one sub-zone of one zone."""

    model_config = ConfigDict(title="Mythos room file")
    zone: AreaSpec
    subzone: AreaSpec
    rooms: list[RoomSpec] = Field(min_length=1)


class Manifest(Strict):
    start_room: WorldId
    respawn_room: WorldId | None = Field(default=None, description="default: start_room")
    asylum_room: WorldId | None = Field(default=None, description="default: start_room")


# Kept with each room: its spawn rules' fields, for messages naming them.
LoadedRoom = Loaded[Room]


def room_files(directory: Path) -> list[Path]:
    """Every data file under ``directory`` that is a room file."""
    skipped = {directory / MANIFEST, *(directory / name for name in NOT_ROOMS)}
    return [
        path
        for path in json_files(directory)
        if not any(path == other or other in path.parents for other in skipped)
        and not (path.parent == directory and SHARD_MAP_NAME.match(path.name))
    ]


def load_rooms(directory: Path) -> dict[str, LoadedRoom]:
    loaded: dict[str, LoadedRoom] = {}
    zone_names: dict[str, tuple[str, str]] = {}  # zone id -> (name, file)
    subzones: dict[tuple[str, str], str] = {}  # (zone id, sub-zone id) -> file
    for path in room_files(directory):
        name = path.relative_to(directory).as_posix()
        spec = validated(RoomFile, path, name)
        _check_areas(spec, name, zone_names, subzones)
        for index, room_spec in enumerate(spec.rooms):
            if room_spec.id in loaded:
                raise WorldError(
                    f"{name}: field 'rooms.{index}.id': duplicate room id '{room_spec.id}' "
                    f"(first defined in {loaded[room_spec.id].file})"
                )
            assert is_routable_id(room_spec.id)
            loaded[room_spec.id] = Loaded(_room(spec, room_spec), name, f"rooms[{room_spec.id}]")
    if not loaded:
        raise WorldError(f"{directory}: no room files next to {MANIFEST}")
    _check_exits(loaded)
    return loaded


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
    spawns = tuple(
        SpawnRule(
            id=f"{room.id}/{index}",
            kind="item" if rule.item is not None else "npc",
            prototype=rule.item if rule.item is not None else str(rule.npc),
            max=rule.max,
            every_seconds=rule.every_seconds,
        )
        for index, rule in enumerate(room.spawns)
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
        flags=frozenset(room.flags),
        lucidity_per_minute=room.lucidity_per_minute,
        spawns=spawns,
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


def _check_exits(loaded: Mapping[str, LoadedRoom]) -> None:
    """Every exit leads somewhere, and every two-way exit has its way back."""
    for item in loaded.values():
        for direction, way in item.value.exits.items():
            if way.target not in loaded:
                raise WorldError(
                    f"{item.file}: field '{item.field}.exits.{direction}': "
                    f"exit leads to unknown room '{way.target}'"
                )
    for item in loaded.values():
        for direction, way in item.value.exits.items():
            if way.one_way:
                continue
            back = opposite_direction(direction)
            there = loaded[way.target]
            answer = there.value.exits.get(back)
            if answer is None or answer.target != item.value.id:
                found = "has none" if answer is None else f"leads to '{answer.target}'"
                raise WorldError(
                    f"{item.file}: field '{item.field}.exits.{direction}': two-way exit to "
                    f"'{way.target}' has no way back: its exit {back} ({there.file}, "
                    f"'{there.field}.exits.{back}') {found} instead of leading to "
                    f"'{item.value.id}'; add it, or flag this exit one_way"
                )


def check_manifest(manifest: Manifest, loaded: Mapping[str, LoadedRoom]) -> None:
    for field in ("start_room", "respawn_room", "asylum_room"):
        room_id = getattr(manifest, field)
        if room_id is not None and room_id not in loaded:
            raise WorldError(f"{MANIFEST}: field '{field}': unknown room '{room_id}'")
    check_connected(loaded, manifest.start_room)


def check_connected(loaded: Mapping[str, LoadedRoom], start: str) -> None:
    """Every room can be reached from the start room, and the start room from every room.

    Every exit counts, locked and hidden ones too: they are still part of the map."""
    forward: dict[str, set[str]] = {rid: set() for rid in loaded}
    backward: dict[str, set[str]] = {rid: set() for rid in loaded}
    for rid, item in loaded.items():
        for way in item.value.exits.values():
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
