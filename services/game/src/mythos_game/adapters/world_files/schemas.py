"""The JSON Schemas of the world's data files, generated from the loader's models and
committed next to the data (``world/*-file.schema.json``); a test keeps them current."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from mythos_game.adapters.world_files.items import ItemFile
from mythos_game.adapters.world_files.npcs import NpcFile
from mythos_game.adapters.world_files.professions import ProfessionFile
from mythos_game.adapters.world_files.rooms import RoomFile

SCHEMA_FILE = "room-file.schema.json"
SCHEMA_FILES: dict[str, type[BaseModel]] = {
    SCHEMA_FILE: RoomFile,
    "profession-file.schema.json": ProfessionFile,
    "item-file.schema.json": ItemFile,
    "npc-file.schema.json": NpcFile,
}
"""Schema file name (in the world folder) -> the model it describes."""


def schema_of(file_name: str) -> dict[str, Any]:
    return SCHEMA_FILES[file_name].model_json_schema(by_alias=True)


def schema_text(file_name: str) -> str:
    return json.dumps(schema_of(file_name), indent=2, ensure_ascii=False) + "\n"


def room_file_schema() -> dict[str, Any]:
    """The JSON Schema of a room file, as committed in ``world/room-file.schema.json``."""
    return schema_of(SCHEMA_FILE)


def room_file_schema_text() -> str:
    return schema_text(SCHEMA_FILE)


def write_schemas(directory: Path) -> list[Path]:
    """Writes every schema into ``directory``; returns the files written."""
    written = []
    for file_name in SCHEMA_FILES:
        path = directory / file_name
        path.write_text(schema_text(file_name), encoding="utf-8")
        written.append(path)
    return written
