"""The zone map log: one stream for the whole world (``routing.zone_map_log``), one
record per zone ownership change, ``{zone, owner, version}``, kept by size, never by
age (docs/design/shards.md §3).

A shard's own journal keeps minutes; a shard down longer than that would start from
the map file alone and believe it owns a zone it gave away. So the unit that releases
a zone and the one that adopts it each append the change here (``StreamJournal``:
after their journal record, before their messages), and a starting game of a split map
reads the whole log and merges it with its journal's zones: the highest version of a
zone wins. Duplicates are harmless: a change applies only above the version known.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Iterable, Mapping

from mythos_contracts.bus.journal import Journal, JournalUnavailable

log = logging.getLogger(__name__)

Zones = dict[str, tuple[str, int]]
"""zone -> (its owner, the map version it got it at)."""


def encode_change(zone: str, owner: str, version: int) -> bytes:
    return json.dumps({"zone": zone, "owner": owner, "version": version}).encode()


def fold_changes(records: Iterable[bytes]) -> Zones:
    """Each zone's newest change in the log (a record that is not one is skipped)."""
    zones: Zones = {}
    for raw in records:
        try:
            body = json.loads(raw)
            zone, owner, version = str(body["zone"]), str(body["owner"]), int(body["version"])
        except (ValueError, KeyError, TypeError):
            log.warning("a zone map log record is not a change: %r", raw[:200])
            continue
        if version > zones.get(zone, ("", 0))[1]:
            zones[zone] = (owner, version)
    return zones


def merge_zones(*sources: Mapping[str, tuple[str, int]]) -> Zones:
    """Every zone's change of the highest version among ``sources``."""
    zones: Zones = {}
    for source in sources:
        for zone, (owner, version) in source.items():
            if version > zones.get(zone, ("", 0))[1]:
                zones[zone] = (owner, version)
    return zones


async def read_zone_map(zone_map: Journal, journaled: Mapping[str, tuple[str, int]]) -> Zones:
    """The live zone moves: the whole log merged with ``journaled`` (the journal's). The
    journal's changes the log lacks (a game that died between its journal record and
    the log's) are appended again. Asked again until the log answers: a game never
    starts from the map file alone."""
    delay = 0.5
    while True:
        try:
            await zone_map.open()
            logged = fold_changes(await zone_map.read_recent(math.inf))
            missing = {
                zone: change
                for zone, change in journaled.items()
                if change[1] > logged.get(zone, ("", 0))[1]
            }
            for zone, (owner, version) in sorted(missing.items()):
                await zone_map.append(encode_change(zone, owner, version))
            break
        except JournalUnavailable as exc:
            log.warning("zone map log not read (%s); trying again in %.1fs", exc, delay)
            await zone_map.close()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
    zones = merge_zones(logged, journaled)
    log.info(
        "zone map log read: %d zone(s) moved (%d from the log, %d appended again)",
        len(zones),
        len(logged),
        len(missing),
    )
    return zones
