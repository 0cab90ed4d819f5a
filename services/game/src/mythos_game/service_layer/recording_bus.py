"""The game's bus: inside a unit, publishes wait in the unit's outbox (``StreamJournal``);
any other publish, and everything else, goes straight to the real bus."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from mythos_contracts.bus import Bus

from mythos_game.service_layer.journal_records import OutboxEntry
from mythos_game.service_layer.passing_bus import PassingBus


class UnitOutbox(Protocol):
    """What the recording bus needs of the journal's current unit."""

    @property
    def in_unit(self) -> bool: ...

    def hold(self, entry: OutboxEntry) -> None: ...

    async def flush(self, delivery_id: str | None = None, *, defer: bool = False) -> None: ...


class RecordingBus(PassingBus):
    """The game's bus: publishes inside a unit go to its outbox; the rest passes."""

    def __init__(self, bus: Bus, journal: UnitOutbox) -> None:
        super().__init__(bus)
        self._journal = journal

    async def publish(
        self,
        exchange: str,
        routing_key: str,
        body: bytes,
        *,
        persistent: bool = True,
        correlation_id: str | None = None,
        reply_to: str | None = None,
    ) -> None:
        if self._journal.in_unit:
            entry = OutboxEntry(exchange, routing_key, body, persistent, correlation_id, reply_to)
            self._journal.hold(entry)
            return
        await self._bus.publish(
            exchange,
            routing_key,
            body,
            persistent=persistent,
            correlation_id=correlation_id,
            reply_to=reply_to,
        )

    async def publish_many(
        self, exchange: str, messages: Sequence[tuple[str, bytes]], *, persistent: bool = True
    ) -> None:
        if self._journal.in_unit:
            for key, body in messages:
                self._journal.hold(OutboxEntry(exchange, key, body, persistent))
            return
        await self._bus.publish_many(exchange, messages, persistent=persistent)

    async def publish_routed(
        self, exchange: str, routing_keys: Sequence[str], body: bytes, *, persistent: bool = True
    ) -> None:
        if self._journal.in_unit:
            # An outbox entry (and the journal record it is written in) has one key, and
            # held as one entry per key the message would reach a queue bound to two of
            # them twice: the unit so far is recorded and published first (as before a
            # request), so this still leaves after it. Unlike a held message, a game
            # continuing from the journal does not publish it again.
            await self._journal.flush()
        await self._bus.publish_routed(exchange, routing_keys, body, persistent=persistent)

    async def request(
        self, exchange: str, routing_key: str, body: bytes, *, timeout: float = 5.0
    ) -> bytes:
        if self._journal.in_unit:
            await self._journal.flush()
        return await self._bus.request(exchange, routing_key, body, timeout=timeout)
