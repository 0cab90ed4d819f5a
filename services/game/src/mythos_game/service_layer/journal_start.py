"""A starting game takes over from the journal what the last game left in it."""

from __future__ import annotations

import asyncio
import logging
import time

from mythos_contracts.bus import Bus
from mythos_contracts.bus.journal import Journal, JournalUnavailable
from mythos_contracts.persistence import StreamHandoff

from mythos_game.service_layer.journal_records import Recovered, fold
from mythos_game.service_layer.sequencer import HistoryLimits
from mythos_game.service_layer.stream_journal import republish

log = logging.getLogger(__name__)


async def take_over(
    journal: Journal, bus: Bus, limits: HistoryLimits, read_seconds: float
) -> Recovered:
    """Open the journal, fold its recent records into streams, and publish again the
    messages of its last records (each consumer drops what it already has: edges by
    sequence number, persistence by version and line id). Asked again until the journal
    answers: a game that started without it would resync every player."""
    delay = 0.5
    while True:
        try:
            await journal.open()
            started = time.perf_counter()
            raw = await journal.read_recent(read_seconds)
            break
        except JournalUnavailable as exc:
            log.warning("journal not read (%s); trying again in %.1fs", exc, delay)
            await journal.close()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
    recovered = await asyncio.to_thread(fold, raw, time.time(), limits)
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
