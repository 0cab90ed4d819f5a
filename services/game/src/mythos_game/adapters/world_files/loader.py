"""``load_world``: every world file read, each checked on its own, then against the others."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mythos_game.adapters.world_files.common import Loaded, WorldError, validated
from mythos_game.adapters.world_files.items import load_items
from mythos_game.adapters.world_files.npcs import load_npcs
from mythos_game.adapters.world_files.professions import load_professions
from mythos_game.adapters.world_files.rooms import (
    MANIFEST,
    LoadedRoom,
    Manifest,
    check_manifest,
    load_rooms,
)
from mythos_game.domain.items import ItemPrototype
from mythos_game.domain.npcs import NpcDefinition
from mythos_game.domain.world import World


def load_world(directory: Path) -> World:
    """The world under ``directory``; raises ``WorldError`` naming the file and the field."""
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise WorldError(f"{directory}: {MANIFEST} is missing")
    manifest = validated(Manifest, manifest_path, MANIFEST)
    rooms = load_rooms(directory)
    check_manifest(manifest, rooms)

    items = load_items(directory)
    npcs = load_npcs(directory)
    _check_ids_unique(items, npcs)
    professions = load_professions(directory)
    refs = _References(items, npcs)
    for profession in professions.values():
        for index, kit_id in enumerate(profession.value.kit):
            refs.item(kit_id, profession, f"kit.{index}")
    for npc in npcs.values():
        for index, loot in enumerate(npc.value.loot):
            refs.item(loot.item, npc, f"loot.{index}.item")
    for room in rooms.values():
        for index, rule in enumerate(room.value.spawns):
            where = f"spawns.{index}.{rule.kind}"
            if rule.kind == "item":
                refs.item(rule.prototype, room, where)
            else:
                refs.npc(rule.prototype, room, where)

    return World(
        rooms={rid: it.value for rid, it in rooms.items()},
        start_room=manifest.start_room,
        respawn_room=manifest.respawn_room or manifest.start_room,
        asylum_room=manifest.asylum_room or manifest.start_room,
        professions={pid: it.value for pid, it in professions.items()},
        items={iid: it.value for iid, it in items.items()},
        npcs={nid: it.value for nid, it in npcs.items()},
    )


def _check_ids_unique(
    items: Mapping[str, Loaded[ItemPrototype]], npcs: Mapping[str, Loaded[NpcDefinition]]
) -> None:
    """Items and NPCs share one space of ids (``spawn <id>`` takes either)."""
    for npc_id, npc in npcs.items():
        item = items.get(npc_id)
        if item is not None:
            raise WorldError(
                f"{npc.file}: field '{npc.field}.id': id '{npc_id}' is already an item's "
                f"(in {item.file}); items and NPCs need different ids"
            )


class _References:
    """Checks that an id names an existing item (or NPC), in the referring file's terms."""

    def __init__(
        self, items: Mapping[str, Loaded[ItemPrototype]], npcs: Mapping[str, Loaded[NpcDefinition]]
    ) -> None:
        self._items = items
        self._npcs = npcs

    def item(self, ref: str, where: Loaded[Any], part: str) -> None:
        if ref not in self._items:
            hint = " (that is an NPC)" if ref in self._npcs else ""
            raise WorldError(
                f"{where.file}: field '{where.field}.{part}': unknown item '{ref}'{hint}"
            )

    def npc(self, ref: str, where: LoadedRoom, part: str) -> None:
        if ref not in self._npcs:
            hint = " (that is an item)" if ref in self._items else ""
            raise WorldError(
                f"{where.file}: field '{where.field}.{part}': unknown NPC '{ref}'{hint}"
            )
