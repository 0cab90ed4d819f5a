"""Loads the world from its data files and refuses a broken one with a clear message.

Layout (see ``services/game/world/README.md``): ``<dir>/world.json`` names the start,
respawn and asylum rooms; ``<dir>/professions.json`` the professions;
``<dir>/items/*.json`` the item prototypes; ``<dir>/npcs/*.json`` the NPCs; every
other ``*.json`` under ``<dir>`` (``*.schema.json`` excepted) is a room file holding
the rooms of one sub-zone. Every message starts with the file (relative to ``<dir>``)
and names the field.

One module per kind of file (``rooms``, ``professions``, ``items``, ``npcs``);
``loader`` checks them against each other; ``schemas`` generates the committed JSON
Schemas; ``cli`` is ``python -m mythos_game.adapters.world_files``.
"""

from mythos_game.adapters.world_files.cli import main
from mythos_game.adapters.world_files.common import ID_PATTERN, WorldError, WorldId
from mythos_game.adapters.world_files.items import ItemFile
from mythos_game.adapters.world_files.loader import load_world
from mythos_game.adapters.world_files.npcs import NpcFile
from mythos_game.adapters.world_files.professions import ProfessionFile
from mythos_game.adapters.world_files.rooms import (
    MANIFEST,
    AreaSpec,
    Direction,
    ExitSpec,
    Flag,
    Manifest,
    RoomFile,
    RoomSpec,
    room_files,
)
from mythos_game.adapters.world_files.schemas import (
    SCHEMA_FILE,
    SCHEMA_FILES,
    room_file_schema,
    room_file_schema_text,
    schema_text,
)

__all__ = [
    "ID_PATTERN",
    "MANIFEST",
    "SCHEMA_FILE",
    "SCHEMA_FILES",
    "AreaSpec",
    "Direction",
    "ExitSpec",
    "Flag",
    "ItemFile",
    "Manifest",
    "NpcFile",
    "ProfessionFile",
    "RoomFile",
    "RoomSpec",
    "WorldError",
    "WorldId",
    "load_world",
    "main",
    "room_file_schema",
    "room_file_schema_text",
    "room_files",
    "schema_text",
]
