"""Records each unit of the game's work in the journal before any of it is published.

A unit is what the game does under its lock: one input handled, or one tick. While a
unit runs, everything the game publishes waits in the unit's outbox, and the sequencer
reports every stream it opens, numbers or closes. When the unit ends, one record (those
stream changes, the heads of the streams it touched, the answers it remembered, the
input's delivery id and the outbox) is appended to the journal; only once the journal
has it are the messages published, and only then does the input get acked.

So after a kill -9 the next game reads the journal (``journal_records.fold``) and has
every stream as the edges saw it, with its history and answers, every delivery id
handled, and the messages of the last records to publish again: players see a pause,
not a resync (docs/architecture.md, "A crash of the game").

A record the journal does not confirm within ``append_timeout`` stops the process
(``on_lost``): its messages cannot be published, later units would build on them, and
the next game must not find numbers the edges never saw, or miss ones they did.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar

from mythos_contracts.bus import Bus, Delivery, Handler
from mythos_contracts.bus.journal import Journal, JournalUnavailable
from mythos_contracts.events import CommandResponseData

from mythos_game.service_layer.journal_records import OutboxEntry, Record, encode
from mythos_game.service_layer.links import Links
from mythos_game.service_layer.sequencer import Sequencer

log = logging.getLogger(__name__)

JOURNAL_LOST_EXIT_CODE = 70

_IN_UNIT: ContextVar[bool] = ContextVar("in_unit", default=False)
"""Set in the task running a unit: a publish from any other task (a background loader)
is not the unit's and goes straight out."""


def exit_now(why: str = "the journal did not confirm a record") -> None:
    """What an active game does when it can no longer be sure of what the journal holds
    (a record unconfirmed, its broker connection lost): stop at once, so the next one
    (or a standby) continues from the journal, never from this process's memory."""
    log.critical("%s: exiting so the next game takes over", why)
    logging.shutdown()
    os._exit(JOURNAL_LOST_EXIT_CODE)


class StreamJournal:
    def __init__(
        self,
        journal: Journal,
        bus: Bus,
        sequencer: Sequencer,
        links: Links,
        *,
        append_timeout: float = 30.0,
        confirm_first: bool = False,
        on_lost: Callable[[], None] = exit_now,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._journal = journal
        self._sequencer = sequencer
        self._links = links
        self._append_timeout = append_timeout
        self._confirm_first = confirm_first
        self._on_lost = on_lost
        self._wall_clock = wall_clock
        self._real_bus = bus
        self.bus: Bus = RecordingBus(bus, self)
        """The bus the game's publishers use: inside a unit, it fills the outbox."""
        self.term: int | None = None
        self._instance = uuid.uuid4().hex
        self._number = 0
        self._published = 0
        self._reset()
        sequencer.observer = self

    def _reset(self) -> None:
        self._touched: set[str] = set()
        self._restored: set[str] = set()
        self._everyone = False
        self._stamped: list[tuple[str, int, str, bytes | None]] = []
        self._answered: list[tuple[str, str, bytes]] = []
        self._outbox: list[OutboxEntry] = []

    @property
    def in_unit(self) -> bool:
        return _IN_UNIT.get()

    # --- what the sequencer and the dispatcher report --------------------------------

    def opened(self, player_id: str) -> None:
        self._touched.add(player_id)
        self._stamped.append((player_id, 0, "", None))

    def restored(self, player_id: str) -> None:
        self._touched.add(player_id)
        self._restored.add(player_id)

    def stamped(self, player_id: str, seq: int, event_type: str, body: bytes) -> None:
        self._touched.add(player_id)
        self._stamped.append((player_id, seq, event_type, body))

    def closed(self, player_id: str) -> None:
        self._touched.add(player_id)

    def touch(self, player_id: str | None) -> None:
        """The unit may have changed this player's link (connection, room binding)."""
        if player_id is not None:
            self._touched.add(player_id)

    def touch_everyone(self) -> None:
        """This unit's record carries every stream's head (a checkpoint): so a stream
        that has been quiet for longer than the read window is not forgotten."""
        self._everyone = True

    def answered(self, player_id: str, command_id: str, response: CommandResponseData) -> None:
        self._answered.append((player_id, command_id, response.model_dump_json().encode()))

    def hold(self, entry: OutboxEntry) -> None:
        self._outbox.append(entry)

    # --- units -----------------------------------------------------------------------

    @asynccontextmanager
    async def unit(
        self, delivery_id: str | None = None, player_id: str | None = None
    ) -> AsyncIterator[None]:
        """Run one unit (under the game's lock): its record is appended, then its
        messages published, when it ends, even when it raised (what it stamped is in
        the players' histories already)."""
        token = _IN_UNIT.set(True)
        self.touch(player_id)
        try:
            yield
        finally:
            try:
                await self.flush(delivery_id)
            finally:
                _IN_UNIT.reset(token)

    async def flush(self, delivery_id: str | None = None) -> None:
        """Append what the unit did so far, then publish it (also before a request that
        waits on an answer: a load must not overtake a save of the same unit)."""
        record = self._record(delivery_id)
        self._reset()
        if record is None:
            return
        if self._confirm_first or not record.outbox:
            await self._append(encode(record))
            await _publish(self._real_bus, record.outbox)
        else:
            # The record is written first (its frame queued before any of the outbox's),
            # and the two confirms are awaited together: one round trip, not two. Only a
            # broker that loses a record it received while delivering the outbox breaks
            # "recorded before seen"; the edges' check at the next takeover then finds
            # the stream ahead and resyncs it (mythos_game_takeover_ahead_total).
            appended = asyncio.ensure_future(self._append(encode(record)))
            await asyncio.sleep(0)  # the append's frame is queued by now
            try:
                await _publish(self._real_bus, record.outbox)
            finally:
                await appended
        self._published = record.number

    def _record(self, delivery_id: str | None) -> Record | None:
        if self._everyone:
            self._touched.update(pid for pid, _ in self._links.items())
        if not (self._touched or self._outbox or delivery_id):
            return None
        self._number += 1
        record = Record(
            term=self.term,
            instance=self._instance,
            number=self._number,
            published_through=self._published,
            at=self._wall_clock(),
            delivery_id=delivery_id,
            stamped=self._stamped,
            answered=self._answered,
            outbox=self._outbox,
        )
        for player_id in sorted(self._touched):
            stream = self._sequencer.get(player_id)
            link = self._links.get(player_id)
            if stream is None or link is None:
                record.closed.append(player_id)
                continue
            record.heads[player_id] = (
                stream.session_id,
                stream.epoch,
                stream.opened_for,
                stream.last,
                link.connection_id,
                link.linkdead,
                link.room_bound,
            )
            if player_id in self._restored:
                # Continued from the previous game: the whole history goes in again.
                record.stamped.append((player_id, 0, "", None))
                for seq, _, kind, body in self._sequencer.aged_history(player_id):
                    record.stamped.append((player_id, seq, kind, body))
                for command_id, response in link.recent_commands.items():
                    body = response.model_dump_json().encode()
                    record.answered.append((player_id, command_id, body))
        return record

    async def _append(self, raw: bytes) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._append_timeout
        while True:
            try:
                await self._journal.append(raw)
                return
            except JournalUnavailable as exc:
                if loop.time() >= deadline:
                    log.error(
                        "journal record not confirmed in %.0fs: %s", self._append_timeout, exc
                    )
                    self._on_lost()
                    raise
                log.warning("journal record not confirmed yet (%s); appending again", exc)
                await asyncio.sleep(0.2)


async def _publish(bus: Bus, outbox: Sequence[OutboxEntry]) -> None:
    """Publish in order: runs of plain messages to one exchange go together (pipelined,
    their confirms awaited together), the others one by one."""
    run: list[OutboxEntry] = []

    async def send_run() -> None:
        if run:
            first = run[0]
            messages = [(e.key, e.body) for e in run]
            await bus.publish_many(first.exchange, messages, persistent=first.persistent)
            run.clear()

    for entry in outbox:
        plain = entry.correlation_id is None and entry.reply_to is None
        if plain and (
            not run or (run[0].exchange, run[0].persistent) == (entry.exchange, entry.persistent)
        ):
            run.append(entry)
            continue
        await send_run()
        if plain:
            run.append(entry)
            continue
        await bus.publish(
            entry.exchange,
            entry.key,
            entry.body,
            persistent=entry.persistent,
            correlation_id=entry.correlation_id,
            reply_to=entry.reply_to,
        )
    await send_run()


async def republish(bus: Bus, outbox: Sequence[OutboxEntry]) -> None:
    """Publish again what the last records of a previous game held."""
    await _publish(bus, outbox)


class RecordingBus:
    """The game's bus: publishes inside a unit go to its outbox; the rest passes."""

    def __init__(self, bus: Bus, journal: StreamJournal) -> None:
        self._bus = bus
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

    async def request(
        self, exchange: str, routing_key: str, body: bytes, *, timeout: float = 5.0
    ) -> bytes:
        if self._journal.in_unit:
            await self._journal.flush()
        return await self._bus.request(exchange, routing_key, body, timeout=timeout)

    async def connect(self) -> None:
        await self._bus.connect()

    async def close(self) -> None:
        await self._bus.close()

    async def declare_queue(
        self,
        name: str,
        *,
        durable: bool = True,
        exclusive: bool = False,
        dead_letter: bool = True,
        max_length: int | None = None,
        single_active: bool = False,
    ) -> None:
        await self._bus.declare_queue(
            name,
            durable=durable,
            exclusive=exclusive,
            dead_letter=dead_letter,
            max_length=max_length,
            single_active=single_active,
        )

    async def bind(self, queue: str, exchange: str, pattern: str) -> None:
        await self._bus.bind(queue, exchange, pattern)

    async def unbind(self, queue: str, exchange: str, pattern: str) -> None:
        await self._bus.unbind(queue, exchange, pattern)

    async def consume(self, queue: str, handler: Handler, *, prefetch: int = 100) -> None:
        await self._bus.consume(queue, handler, prefetch=prefetch)

    async def stop_consuming(self) -> None:
        await self._bus.stop_consuming()

    async def reply(self, request: Delivery, body: bytes) -> None:
        await self._bus.reply(request, body)

    def is_connected(self) -> bool:
        return self._bus.is_connected()

    async def queue_depths(self) -> dict[str, int]:
        return await self._bus.queue_depths()

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        self._bus.on_reconnect(callback)
