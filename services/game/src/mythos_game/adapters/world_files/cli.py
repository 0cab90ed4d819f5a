"""``python -m mythos_game.adapters.world_files``: check a world, print or write the schemas."""

from __future__ import annotations

import sys
from pathlib import Path

from mythos_game.adapters.world_files.common import WorldError
from mythos_game.adapters.world_files.loader import load_world
from mythos_game.adapters.world_files.schemas import (
    SCHEMA_FILES,
    room_file_schema_text,
    schema_text,
    write_schemas,
)

USAGE = (
    "usage: python -m mythos_game.adapters.world_files "
    "schema [<schema file>] | schemas <world dir> | check <world dir>\n"
)


def main(argv: list[str]) -> int:
    args = argv[1:]
    if args == ["schema"]:
        sys.stdout.write(room_file_schema_text())
        return 0
    if len(args) == 2 and args[0] == "schema" and args[1] in SCHEMA_FILES:
        sys.stdout.write(schema_text(args[1]))
        return 0
    if len(args) == 2 and args[0] == "schemas":
        for path in write_schemas(Path(args[1])):
            print(f"wrote {path}")
        return 0
    if len(args) == 2 and args[0] == "check":
        try:
            world = load_world(Path(args[1]))
        except WorldError as exc:
            sys.stderr.write(f"broken world: {exc}\n")
            return 1
        zones = {room.zone_id for room in world.rooms.values()}
        spawns = sum(len(room.spawns) for room in world.rooms.values())
        print(
            f"ok: {len(world.rooms)} rooms in {len(zones)} zones, "
            f"{len(world.professions)} professions, {len(world.items)} items, "
            f"{len(world.npcs)} NPCs, {spawns} spawn rules"
        )
        return 0
    sys.stderr.write(USAGE)
    return 2
