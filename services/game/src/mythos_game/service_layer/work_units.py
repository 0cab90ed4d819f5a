"""The game's unit of work: one writer at a time over the game's state and, with a
journal, each unit's record in before its messages go out (``stream_journal``); the
world directory's deltas of what a unit changed go in that unit's outbox."""

from __future__ import annotations

import asyncio
from contextvars import Token

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

    def unit(
        self, delivery_id: str | None = None, player_id: str | None = None, *, defer: bool = False
    ) -> WorkUnit:
        """One writer at a time; with a journal, the unit's record goes in before its
        messages go out. ``defer``: a delivery's unit leaves the wait for their confirms
        to the bus (``take_settlement``), so the next unit need not wait for them."""
        return WorkUnit(self, delivery_id, player_id, defer)

    async def _presence_changed(self, player_id: str | None) -> None:
        """The directory's deltas of what the unit changed, in its own outbox."""
        if self._span is not None:
            await self._span.presence.changed(player_id)

    def take_settlement(self) -> Settlement | None:
        """The confirms the last unit left in flight: its delivery's settlement."""
        return None if self._journal is None else self._journal.take_settlement()


class WorkUnit:
    """``WorkUnits.unit``'s block: the lock taken, and with a journal ``begin`` on entry;
    on exit the directory told (unless the block raised), then ``end`` whatever happened,
    then the lock released. A class, not ``asynccontextmanager``: one per message, and an
    async generator's frame and wrapper cost several times as much to enter and leave."""

    __slots__ = ("_defer", "_delivery_id", "_player_id", "_token", "_units")

    def __init__(
        self, units: WorkUnits, delivery_id: str | None, player_id: str | None, defer: bool
    ) -> None:
        self._units = units
        self._delivery_id = delivery_id
        self._player_id = player_id
        self._defer = defer
        self._token: Token[bool] | None = None

    async def __aenter__(self) -> None:
        units = self._units
        await units._lock.acquire()
        if units._journal is not None:
            try:
                self._token = units._journal.begin(self._player_id)
            except BaseException:
                units._lock.release()
                raise

    async def __aexit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        units = self._units
        try:
            journal, token = units._journal, self._token
            if journal is None or token is None:
                if kind is None:
                    await units._presence_changed(self._player_id)
                return
            try:
                if kind is None:
                    await units._presence_changed(self._player_id)
            finally:
                await journal.end(token, self._delivery_id, defer=self._defer)
        finally:
            units._lock.release()
