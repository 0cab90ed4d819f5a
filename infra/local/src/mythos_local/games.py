"""The game processes of a distributed run: one active game per shard, each with
``MYTHOS_GAME_STANDBYS`` standbys. ``MYTHOS_GAMES=1`` runs the whole world as shard
``s1``, as before shards; ``MYTHOS_GAMES=N`` splits it with the shipped map
``services/game/world/shards.N.json`` (docs/design/shards.md §3), or, for the
benchmark world (``MYTHOS_WORLD=bench``), into N arcs of its ring, one per shard."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from mythos_local.settings import REPO_ROOT, LocalSettings
from mythos_local.supervisor import Child, StartupFailed, python_module

WORLD_DIR = REPO_ROOT / "services" / "game" / "world"


def shard_map_file(games: int) -> Path | None:
    """The shipped map for ``games`` shards (None for one: the game's built-in map)."""
    if games == 1:
        return None
    path = WORLD_DIR / f"shards.{games}.json"
    if not path.exists():
        shipped = sorted(p.name for p in WORLD_DIR.glob("shards.*.json"))
        raise StartupFailed(
            f"MYTHOS_GAMES={games}: no shard map {path.name} ships with the world "
            f"(shipped: {', '.join(shipped) or 'none'})"
        )
    return path


def shard_env(games: int) -> dict[str, str]:
    """What tells a game how the world is split: the shipped world's map file, or the
    benchmark world's arcs (the game builds their map itself: zone bench-k to s<k>)."""
    if games == 1:
        return {}
    world = os.environ.get("GAME_WORLD", os.environ.get("MYTHOS_WORLD", "arkham"))
    if world == "bench":
        return {"GAME_BENCH_ZONES": str(games)}
    if world != "arkham":
        raise StartupFailed(f"MYTHOS_GAMES={games} cannot split the world {world!r}")
    return {"GAME_SHARD_MAP": str(shard_map_file(games))}


def shard_names(games: int) -> list[str]:
    return [f"s{index + 1}" for index in range(games)]


def game_children(
    settings: LocalSettings,
    env: Mapping[str, str],
    health_url: Callable[[int], str],
) -> list[Child]:
    """Every game process, each shard's active one listed before its standbys (it then
    registers on the single-active inbox first). ``env``: what every game gets (broker,
    publishers, logging); each gets its shard, map and health port on top."""
    standbys = settings.mythos_game_standbys
    split = shard_env(settings.mythos_games)
    children: list[Child] = []
    for shard_index, shard in enumerate(shard_names(settings.mythos_games)):
        for replica in range(1 + standbys):
            port = settings.game_port(shard_index, replica)
            # s1 keeps the names it had before shards ("game", "game-standby-1").
            base = "game" if shard_index == 0 else f"game-{shard}"
            name = base if replica == 0 else f"{base}-standby-{replica}"
            placed = {"GAME_SHARD": shard, **split} if split else {}
            children.append(
                Child(
                    name,
                    python_module("mythos_game"),
                    {
                        **env,
                        **placed,
                        "GAME_HEALTH_PORT": str(port),
                        # A restarted instance comes back as a standby too.
                        "GAME_STANDBY": "true" if standbys else "false",
                    },
                    health_url(port),
                )
            )
    return children
