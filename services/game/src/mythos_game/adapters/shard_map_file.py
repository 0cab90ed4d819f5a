"""Reads the shard map ``GAME_SHARD_MAP`` names and runs the start checks on it; the
checks themselves are the domain's (``mythos_game.domain.shard_map``)."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from mythos_game.domain.shard_map import (
    ShardMap,
    ShardMapError,
    check_built,
    check_shard,
    check_zones,
    parse_shard_map,
    whole_world,
)


def read_shard_map(path: Path) -> ShardMap:
    """The map in the file at ``path``, schema and shard ids checked; raises
    ``ShardMapError`` naming the file (also when it cannot be read)."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ShardMapError(f"{path}: cannot read the shard map: {exc.strerror}") from None
    return parse_shard_map(text, str(path))


def place_shard(path: Path | None, shard: str, zones: Collection[str]) -> ShardMap:
    """The map at ``path`` (None: the built-in one) once every start check passed for the
    world's ``zones`` and this instance's ``shard``; raises ``ShardMapError`` otherwise."""
    shard_map = whole_world(zones) if path is None else read_shard_map(path)
    check_zones(shard_map, zones)
    check_shard(shard_map, shard)
    check_built(shard_map, shard)
    return shard_map
