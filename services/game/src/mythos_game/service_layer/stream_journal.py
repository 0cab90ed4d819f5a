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

Group commit: a unit run for a delivery (``unit(defer=True)``) does not wait for its
confirms under the lock. Its record and messages are queued for the socket in unit
order, and the wait becomes the delivery's *settlement* (``take_settlement``), which the
bus awaits before acking it, in order, while the next units run. So a burst of inputs
costs one write and one confirm round trip, not one each, and nothing is acked before
its record and messages are confirmed. The clock's units, a unit about to send a
request (a load must not overtake a save), and a unit whose messages go to more than
one exchange (each exchange's once the ones before are confirmed: an answer never goes
out before the save it follows) wait for everything in flight.

A record or message the broker does not confirm within ``append_timeout``, or a record
it refuses or loses with its connection, stops the process (``on_lost``): its messages cannot be
published, later units would build on them, and the next game must not find numbers the
edges never saw, or miss ones they did. Nothing is appended again: the records after it
are queued already, and the journal's order is the order a takeover folds.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from contextvars import ContextVar, Token
from typing import Any

from mythos_contracts.bus import Bus
from mythos_contracts.bus.journal import HoldingJournal, Journal, SubmittingJournal

from mythos_game.service_layer.journal_outbox import in_turn, publish, start_sends
from mythos_game.service_layer.journal_outbox import sends as outbox_sends
from mythos_game.service_layer.journal_records import (
    OutboxEntry,
    PendingCallEntry,
    Record,
    encode,
)
from mythos_game.service_layer.links import Links
from mythos_game.service_layer.recording_bus import RecordingBus
from mythos_game.service_layer.sequencer import Sequencer
from mythos_game.service_layer.units_in_flight import UnitsInFlight
from mythos_game.service_layer.zone_map_log import encode_change

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
        # Queued at once where the journal can (its frame then leaves before the
        # unit's messages: ``SubmittingJournal``), else in a task started next.
        self._append: Callable[[bytes], Awaitable[None]] = (
            journal.submit if isinstance(journal, SubmittingJournal) else journal.append
        )
        # A journal that holds records while earlier ones are unconfirmed (group commit):
        # a unit's messages wait until its record is queued.
        self._when_queued: Callable[[Callable[[], None]], bool] = (
            journal.when_queued if isinstance(journal, HoldingJournal) else lambda then: False
        )
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
        self._in_flight = UnitsInFlight(append_timeout, self._lost)
        self._settlement: Awaitable[object] | None = None
        self._lost_already = False
        self._written_heads: dict[str, tuple[str, str, str, str, bool, bool]] = {}
        """Each stream's head as this game last recorded it, but its number."""
        self.moved_zones: Callable[[], dict[str, tuple[str, int]]] = dict
        """Every zone whose owner is not the map file's (``ZoneOwners.moved``): what a
        checkpoint records, so the journal's recent records always hold the live map."""
        self.pending_calls: Callable[[], dict[str, PendingCallEntry]] = dict
        """Every admin's command waiting for another shard (``ShardCalls.entries``): what
        a checkpoint records again, so the journal's recent records always hold them."""
        self.zone_map: Journal | None = None
        """The zone map log (a split map): a unit's own zone moves go there after its
        record, before its messages (``zone_map_log``)."""
        self._reset()
        sequencer.observer = self

    def _reset(self) -> None:
        self._touched: set[str] = set()
        self._restored: set[str] = set()
        self._everyone = False
        self._stamped: list[tuple[str, int, str, bytes | None]] = []
        self._answered: list[tuple[str, str, bytes]] = []
        self._outbox: list[OutboxEntry] = []
        self._forwards: dict[str, tuple[str, int]] = {}
        self._zones: dict[str, tuple[str, int]] = {}
        self._to_map: list[bytes] = []
        self._calls: dict[str, PendingCallEntry] = {}
        self._calls_settled: list[str] = []

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

    def stamped_all(self, numbers: dict[str, int], event_type: str, body: bytes) -> None:
        self._touched.update(numbers)
        self._stamped.extend(
            [(player_id, seq, event_type, body) for player_id, seq in numbers.items()]
        )

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

    def answered(self, player_id: str, command_id: str, response: bytes) -> None:
        """The unit remembered ``response`` (its JSON, ``Link.remember``'s) as the player's
        answer to ``command_id``."""
        self._answered.append((player_id, command_id, response))

    def forwarding(self, player_id: str, shard: str, hop: int) -> None:
        """This unit forwards the player's inputs to ``shard`` (a crossing, or an input
        forwarded): a game continuing from the journal forwards them too."""
        self._forwards[player_id] = (shard, hop)

    def zone_owner(self, zone: str, owner: str, version: int, *, to_map: bool = False) -> None:
        """This unit changed ``zone``'s owner (a live zone move): a game continuing from
        the journal knows it. ``to_map``: the unit released or adopted it (the zone map
        log has it too)."""
        self._zones[zone] = (owner, version)
        if to_map and self.zone_map is not None:
            self._to_map.append(encode_change(zone, owner, version))

    def call_pending(self, call_id: str, entry: PendingCallEntry) -> None:
        """This unit left an admin's command waiting for another shard's result (sent,
        or re-sent by its client): a game continuing from the journal answers it."""
        self._calls[call_id] = entry

    def call_settled(self, call_id: str) -> None:
        """This unit answered a pending call, or gave up on it."""
        self._calls.pop(call_id, None)
        self._calls_settled.append(call_id)

    def hold(self, entry: OutboxEntry) -> None:
        self._outbox.append(entry)

    # --- units -----------------------------------------------------------------------

    @asynccontextmanager
    async def unit(
        self,
        delivery_id: str | None = None,
        player_id: str | None = None,
        *,
        defer: bool = False,
    ) -> AsyncIterator[None]:
        """Run one unit (under the game's lock): its record is appended, then its
        messages published, when it ends, even when it raised (what it stamped is in
        the players' histories already). ``defer``: the unit does not wait for their
        confirms; ``take_settlement`` hands the wait to the delivery's consumer."""
        token = self.begin(player_id)
        try:
            yield
        finally:
            await self.end(token, delivery_id, defer=defer)

    def begin(self, player_id: str | None = None) -> Token[bool]:
        """``unit``'s start, for a caller that holds its own context (``WorkUnits``):
        every ``begin`` is followed by one ``end``, whatever happens between them."""
        token = _IN_UNIT.set(True)
        self.touch(player_id)
        return token

    async def end(
        self, token: Token[bool], delivery_id: str | None = None, *, defer: bool = False
    ) -> None:
        """``unit``'s end: its record appended and its messages published (``flush``)."""
        try:
            await self.flush(delivery_id, defer=defer)
        finally:
            _IN_UNIT.reset(token)

    async def flush(self, delivery_id: str | None = None, *, defer: bool = False) -> None:
        """Append what the unit did so far, then publish it (also before a request that
        waits on an answer: a load must not overtake a save of the same unit). Without
        ``defer``, returns once every unit so far is confirmed."""
        record, to_map = self._record(delivery_id), self._to_map
        self._reset()
        self._settlement = None  # a unit's settlement is its own, never an earlier one's
        if record is None and defer:
            return  # nothing of its own to wait for: its ack follows the earlier ones'
        if record is not None and (self._confirm_first or to_map):
            # A zone move goes to the map log between its record and its messages.
            await self.settled()
            await self._confirmed(self._journal.append(encode(record)))
            zone_map = self.zone_map
            if zone_map is not None:
                for change in to_map:
                    await self._confirmed(zone_map.append(change))
            await self._confirmed(publish(self._real_bus, record.outbox))
            self._in_flight.published = record.number
            return
        if record is not None:
            sends = outbox_sends(self._real_bus, record.outbox)
            settling = self._submit(record, sends)
            if defer and len(sends) <= 1:
                self._settlement = settling
                return
        # Not deferred, or messages to more than one exchange: those go one exchange
        # after another, each once the ones before are confirmed (an answer never goes
        # out before the save it follows: in-process, a save's confirm means stored),
        # so no later unit may start before the last of them is sent.
        await self.settled()

    def take_settlement(self) -> Awaitable[object] | None:
        """The confirms of the last deferred unit, once (the bus acks its delivery when
        they complete, and only after the deliveries before it)."""
        settlement, self._settlement = self._settlement, None
        return settlement

    async def settled(self) -> None:
        """Wait until every unit so far is confirmed."""
        await self._in_flight.settled()

    def _submit(self, record: Record, sends: list[Coroutine[Any, Any, None]]) -> Awaitable[None]:
        """Queue the record, then its messages, behind every earlier unit's (the record
        at once where the journal can, and each task reaches its pipeline before it
        first suspends, and tasks start in the order they are made); returns the wait
        for their confirms."""
        # A journal's ``submit`` gives a future already: only a coroutine needs a task,
        # made by the loop itself (``ensure_future``'s checks cost about as much again).
        loop = asyncio.get_running_loop()
        appending = self._append(encode(record))
        parts: list[asyncio.Future[None]] = [
            appending if isinstance(appending, asyncio.Future) else asyncio.ensure_future(appending)
        ]
        if sends:
            sending = sends[0] if len(sends) == 1 else in_turn(sends)
            messages: asyncio.Future[None] = loop.create_future()
            start = functools.partial(start_sends, sending, messages, contextvars.copy_context())
            if self._when_queued(start):
                parts.append(messages)  # held with its record (group commit)
            else:
                parts.append(loop.create_task(sending))
        return self._in_flight.add(record.number, parts)

    async def _confirmed(self, sending: Awaitable[None]) -> None:
        try:
            await asyncio.wait_for(sending, self._append_timeout)
        except Exception as exc:
            self._lost(exc)
            raise

    def _lost(self, error: BaseException | None) -> None:
        if self._lost_already:
            return
        self._lost_already = True
        log.error(
            "a journal record or its messages were not confirmed within %gs: %r",
            self._append_timeout,
            error,
        )
        self._on_lost()

    def _record(self, delivery_id: str | None) -> Record | None:
        if self._everyone:
            self._touched.update(pid for pid, _ in self._links.items())
            self._zones = {**self.moved_zones(), **self._zones}
            self._calls = {**self.pending_calls(), **self._calls}
        extras = self._forwards or self._zones or self._calls or self._calls_settled
        if not (self._touched or self._outbox or delivery_id or extras):
            return None
        self._number += 1
        record = Record(
            term=self.term,
            instance=self._instance,
            number=self._number,
            published_through=self._in_flight.published,
            at=self._wall_clock(),
            delivery_id=delivery_id,
            stamped=self._stamped,
            answered=self._answered,
            outbox=self._outbox,
            forwards=self._forwards,
            zones=self._zones,
            calls=self._calls,
            calls_settled=self._calls_settled,
        )
        sequencer, links, written_heads = self._sequencer, self._links, self._written_heads
        everyone, restored, lasts = self._everyone, self._restored, record.lasts
        for player_id in sorted(self._touched):
            stream = sequencer.get(player_id)
            link = links.get(player_id)
            if stream is None or link is None:
                record.closed.append(player_id)
                written_heads.pop(player_id, None)
                continue
            session, epoch, opened_for = stream.session_id, stream.epoch, stream.opened_for
            connection, linkdead, room_bound = link.connection_id, link.linkdead, link.room_bound
            rest = (session, epoch, opened_for, connection, linkdead, room_bound)
            if not everyone and written_heads.get(player_id) == rest:
                # Only its number moved (a say heard): the number alone, a third of a
                # room event's record. Checkpoints still write every head in full.
                lasts[player_id] = stream.last
            else:
                head = (session, epoch, opened_for, stream.last, connection, linkdead, room_bound)
                record.heads[player_id] = head
                written_heads[player_id] = rest
            if restored and player_id in restored:
                # Continued from the previous game: the whole history goes in again.
                record.stamped.append((player_id, 0, "", None))
                for seq, _, kind, body in self._sequencer.aged_history(player_id):
                    record.stamped.append((player_id, seq, kind, body))
                for command_id, body in link.recent_commands.items():
                    record.answered.append((player_id, command_id, body))
        return record
