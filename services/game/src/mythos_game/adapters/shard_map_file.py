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


def place_shard(
    path: Path | None, shard: str, zones: Collection[str], built_in: ShardMap | None = None
) -> ShardMap:
    """The map at ``path`` (None: ``built_in``, or every zone to ``s1``) once every start
    check passed for the world's ``zones`` and this instance's ``shard``; raises
    ``ShardMapError`` otherwise."""
    if path is not None:
        shard_map = read_shard_map(path)
    else:
        shard_map = built_in if built_in is not None else whole_world(zones)
    check_zones(shard_map, zones)
    check_shard(shard_map, shard)
    check_built(shard_map, shard)
    return shard_map
