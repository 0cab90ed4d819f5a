"""A starting game takes over from the journal what the last game left in it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable

from mythos_contracts.bus import Bus
from mythos_contracts.bus.journal import Journal, JournalUnavailable
from mythos_contracts.persistence import StreamHandoff

from mythos_game.service_layer.journal_outbox import republish
from mythos_game.service_layer.journal_records import Recovered, fold
from mythos_game.service_layer.sequencer import HistoryLimits
from mythos_game.service_layer.zone_map_log import read_zone_map

log = logging.getLogger(__name__)


class JournalTail:
    """What a standby has read of the journal while it waits (it follows the journal
    from its start): the records of the last ``seconds``, so a takeover reads only what
    came in the last moments, not minutes of records."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._records: deque[tuple[float, bytes]] = deque()

    def __len__(self) -> int:
        return len(self._records)

    def add(self, raw: bytes) -> None:
        now = self._clock()
        self._records.append((now, raw))
        while now - self._records[0][0] > self._seconds:
            self._records.popleft()

    def records(self) -> list[bytes]:
        return [raw for _, raw in self._records]


async def follow(journal: Journal, seconds: float) -> JournalTail:
    """Open the journal and keep following it (a standby's warm copy)."""
    await journal.open()
    tail = JournalTail(seconds)
    await journal.follow(seconds, tail.add)
    log.info("following the journal: %d record(s) of the last %.0fs so far", len(tail), seconds)
    return tail


async def take_over(
    journal: Journal,
    bus: Bus,
    limits: HistoryLimits,
    read_seconds: float,
    tail: JournalTail | None = None,
    zone_map: Journal | None = None,
) -> Recovered:
    """Fold the journal's recent records into streams (those a standby followed, once it
    has caught up with the journal's end; else read now), and publish again the messages
    of its last records (each consumer drops what it already has: edges by sequence
    number, persistence by version and line id). Asked again until the journal answers:
    a game that started without it would resync every player. ``zone_map``: the zone
    map log (a split map), whose moves are merged into the journal's."""
    started = time.perf_counter()
    raw: list[bytes] | None = None
    if tail is not None:
        if await journal.caught_up():
            raw = tail.records()
        else:
            log.warning("the journal's follow broke; reading it instead")
        await journal.unfollow(tail.add)
    delay = 0.5
    while raw is None:
        try:
            if tail is None:
                await journal.open()
            raw = await journal.read_recent(read_seconds)
        except JournalUnavailable as exc:
            log.warning("journal not read (%s); trying again in %.1fs", exc, delay)
            if tail is None:
                await journal.close()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
    recovered = await asyncio.to_thread(fold, raw, time.time(), limits)
    if zone_map is not None:
        # Before the map is applied: a zone given away while down is never held again.
        recovered.zones = await read_zone_map(zone_map, recovered.zones)
    if recovered.unpublished:
        await republish(bus, recovered.unpublished)
    log.info(
        "journal read: %d record(s), %d stream(s) to continue, %d message(s) published "
        "again, in %.0f ms",
        recovered.records,
        len(recovered.streams),
        len(recovered.unpublished),
        (time.perf_counter() - started) * 1000,
    )
    return recovered


def merged(handed: list[StreamHandoff], journaled: list[StreamHandoff]) -> list[StreamHandoff]:
    """The streams to continue: the journal's are never older than a graceful handoff's
    (it records every unit up to the last), so they win."""
    streams = {s.player_id: s for s in handed}
    streams.update({s.player_id: s for s in journaled})
    return list(streams.values())
