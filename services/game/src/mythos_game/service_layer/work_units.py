"""The game's unit of work: one writer at a time over the game's state and, with a
journal, each unit's record in before its messages go out (``stream_journal``); the
world directory's deltas of what a unit changed go in that unit's outbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mythos_contracts.bus import Settlement

from mythos_game.service_layer.stream_journal import StreamJournal
from mythos_game.service_layer.world_directory import WorldSpan


class WorkUnits:
    def __init__(self, journal: StreamJournal | None, span: WorldSpan | None) -> None:
        """``journal``: None records nothing; ``span``: None for a game holding the
        whole world (no directory to tell)."""
        self._lock = asyncio.Lock()
        self._journal = journal
        self._span = span

    @asynccontextmanager
    async def unit(
        self, delivery_id: str | None = None, player_id: str | None = None, *, defer: bool = False
    ) -> AsyncIterator[None]:
        """One writer at a time; with a journal, the unit's record goes in before its
        messages go out. ``defer``: a delivery's unit leaves the wait for their confirms
        to the bus (``take_settlement``), so the next unit need not wait for them."""
        async with self._lock:
            journal = self._journal
            if journal is None:
                yield
                await self._presence_changed(player_id)
                return
            # ``journal.unit`` without a context manager of its own: one per unit is enough.
            token = journal.begin(player_id)
            try:
                yield
                await self._presence_changed(player_id)
            finally:
                await journal.end(token, delivery_id, defer=defer)

    async def _presence_changed(self, player_id: str | None) -> None:
        """The directory's deltas of what the unit changed, in its own outbox."""
        if self._span is not None:
            await self._span.presence.changed(player_id)

    def take_settlement(self) -> Settlement | None:
        """The confirms the last unit left in flight: its delivery's settlement."""
        return None if self._journal is None else self._journal.take_settlement()
