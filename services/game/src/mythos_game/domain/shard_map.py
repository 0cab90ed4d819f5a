"""The shard map: which shard owns which zone of the world (docs/design/shards.md §3).

Plain data and its checks, no I/O: the file's text comes in, a ``ShardMap`` or a
``ShardMapError`` comes out. Every message starts with where the map came from (the
``GAME_SHARD_MAP`` path, or the built-in map) and names the zone and shard at fault.

File format (``shards.json``)::

    {"version": 1, "shards": {"s1": {"zones": ["downtown", "uptown"]}, "s2": {"zones": []}}}

Until the lobby is built, ``s1`` takes every login in its place: ``check_built``
refuses a map without ``s1``, and ``GAME_SHARD=lobby``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Annotated

from mythos_contracts.envelope import SINGLE_SHARD
from mythos_contracts.routing import is_routable_id
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

LOBBY = "lobby"
"""The shard with no zones that owns what spans the world; never a key of a map."""

BUILT_IN = "the built-in shard map"
"""The source named in messages about the default map (no ``GAME_SHARD_MAP``)."""


NOT_ACROSS_SHARDS = (
    "players cross between shards, and who, whisper, reply, global, broadcast, admin "
    "status, teleport, goto, summon, kick, mute and unmute reach every shard (the world "
    "directory, the lobby's order, shard calls), but new character names are checked "
    "only against this shard's (not built across shards yet)"
)
"""What a split map does not do yet, said in the game's start line."""


class ShardMapError(ValueError):
    """The shard map is unusable; the message names the map, and the zone or shard."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShardEntry(_Strict):
    zones: list[Annotated[StrictStr, Field(min_length=1)]] = Field(
        description="the zone ids this shard owns (may be empty)"
    )


class ShardMapFile(_Strict):
    """What ``shards.json`` must hold (check 1: the schema)."""

    version: StrictInt = Field(ge=1, description="raised by one at every change of the map")
    shards: dict[str, ShardEntry] = Field(min_length=1, description="shard id -> its zones")


@dataclass(frozen=True)
class ShardMap:
    version: int
    shards: Mapping[str, tuple[str, ...]]
    """Shard id -> the zones it owns, in the file's order."""
    source: str
    """Where it came from, for messages: a path, or ``BUILT_IN``."""

    def zones_of(self, shard: str) -> tuple[str, ...]:
        """The zones ``shard`` owns; none for the lobby or a shard not in the map."""
        return self.shards.get(shard, ())

    def ownership(self, shard: str) -> str:
        """What ``shard`` owns, in words (the game's start log line)."""
        zones = ", ".join(self.zones_of(shard)) or "none"
        line = f"shard {shard} of {self.source} (version {self.version}) owns zones: {zones}"
        if len(self.shards) > 1:
            line += f"; {NOT_ACROSS_SHARDS}"
        return line


def whole_world(zones: Collection[str]) -> ShardMap:
    """The built-in map: every zone of the loaded world to ``s1``, as one game runs it."""
    return ShardMap(version=1, shards={SINGLE_SHARD: tuple(sorted(zones))}, source=BUILT_IN)


def parse_shard_map(text: str | bytes, source: str) -> ShardMap:
    """The map in ``text`` (a file's content), after checks 1 and 2 of the design: the
    schema with ``version`` >= 1, and shard ids that are routable words, not ``lobby``
    and not starting with ``_``. The world's zones are checked by ``check_zones``."""
    try:
        # Decoded here: json.loads would guess UTF-16 or UTF-32 from the first bytes.
        decoded = text.decode("utf-8") if isinstance(text, bytes) else text
        raw = json.loads(decoded, object_pairs_hook=_no_duplicate_keys)
    except (UnicodeDecodeError, json.JSONDecodeError, _DuplicateKey) as exc:
        raise ShardMapError(f"{source}: {_reason(exc)}") from None
    try:
        parsed = ShardMapFile.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        where = ".".join(str(part) for part in first["loc"]) or "(the whole file)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ShardMapError(f"{source}: field '{where}': {first['msg']}{more}") from None
    for shard in parsed.shards:
        problem = shard_id_problem(shard)
        if problem is not None:
            raise ShardMapError(f"{source}: {problem}")
    return ShardMap(
        version=parsed.version,
        shards={shard: tuple(entry.zones) for shard, entry in parsed.shards.items()},
        source=source,
    )


def shard_id_problem(shard: str) -> str | None:
    """Why ``shard`` cannot be a shard id of a map (check 2), or None when it can."""
    if not is_routable_id(shard):
        return f"shard id {shard!r} cannot go into a routing key (1 to 128 of A-Z a-z 0-9 _ -)"
    if shard == LOBBY:
        return (
            "shard id 'lobby' is reserved: the lobby owns no zones (run it with GAME_SHARD=lobby)"
        )
    if shard.startswith("_"):
        return f"shard id {shard!r} starts with '_', which is kept for keys such as command._all"
    return None


def check_zones(shard_map: ShardMap, zones: Collection[str]) -> None:
    """Check 3: every zone of the loaded world is in exactly one shard, and the map names
    no zone the world lacks. A shard may own no zones."""
    where = shard_map.source
    owner: dict[str, str] = {}
    for shard, owned in shard_map.shards.items():
        for zone in owned:
            first = owner.setdefault(zone, shard)
            if first != shard:
                raise ShardMapError(f"{where}: zone {zone!r} is in {first} and {shard}")
        twice = sorted({zone for zone in owned if owned.count(zone) > 1})
        if twice:
            raise ShardMapError(f"{where}: zone {twice[0]!r} is listed twice in {shard}")
    for shard, owned in shard_map.shards.items():
        unknown = [zone for zone in owned if zone not in zones]
        if unknown:
            raise ShardMapError(
                f"{where}: shard {shard} names zones the world does not have: " + ", ".join(unknown)
            )
    unowned = sorted(zone for zone in zones if zone not in owner)
    if unowned:
        raise ShardMapError(f"{where}: zones owned by no shard: " + ", ".join(unowned))


def check_shard(shard_map: ShardMap, shard: str) -> None:
    """Check 4: this instance's shard (``GAME_SHARD``) is a shard of the map, or the lobby."""
    if shard != LOBBY and shard not in shard_map.shards:
        known = ", ".join(shard_map.shards)
        raise ShardMapError(
            f"GAME_SHARD={shard} is not a shard of {shard_map.source} ({known}) nor {LOBBY}"
        )


def check_built(shard_map: ShardMap, shard: str) -> None:
    """What the game cannot run yet (docs/design/shards.md §13, stage 3): the lobby is
    not built, so ``GAME_SHARD=lobby`` is refused, and ``s1`` takes every login in its
    place (its inbox takes ``command.lobby.*``), so a map without ``s1`` is refused too."""
    if shard == LOBBY:
        raise ShardMapError(
            f"GAME_SHARD={LOBBY}: the lobby is not built yet ({SINGLE_SHARD} takes the logins "
            "in its place); run a shard of the map"
        )
    if SINGLE_SHARD not in shard_map.shards:
        raise ShardMapError(
            f"{shard_map.source}: no shard {SINGLE_SHARD}: until the lobby is built, "
            f"{SINGLE_SHARD} takes every login, so every map needs it"
        )


class _DuplicateKey(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """JSON keeps the last of two equal keys silently: a shard written twice is an error."""
    found: dict[str, object] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(f"key {key!r} appears twice in one object")
        found[key] = value
    return found


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON (line {exc.lineno}): {exc.msg}"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text: {exc.reason}"
    return str(exc)
