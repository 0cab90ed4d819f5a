"""What the game clock does, as units of work of the dispatcher's: each tick (sessions'
timeouts and heartbeats, late shard calls, the world's ``run_tick``, the directory, the
``game_tick`` broadcast) and, once at start, the spawns; then the saves, room entries,
status updates and crossings they caused, as after a command."""

from __future__ import annotations

import random
from collections.abc import Callable

from mythos_contracts.envelope import utc_now
from mythos_contracts.events import GameTickData

from mythos_game.domain.outgoing import Outgoing, ToEveryone
from mythos_game.domain.roster import Roster
from mythos_game.domain.rules import ChatLimiter, Rules
from mythos_game.domain.spawning import fill_spawns
from mythos_game.domain.status import StatusLedger
from mythos_game.domain.ticks import TickContext, TickOutcome, run_tick
from mythos_game.domain.world import RoomTest, World, every_room
from mythos_game.service_layer.arrivals import Arrivals
from mythos_game.service_layer.cross_shard_messages import CrossShardMessages
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.metrics import PLAYERS_ONLINE
from mythos_game.service_layer.sessions import Sessions
from mythos_game.service_layer.stream_journal import StreamJournal
from mythos_game.service_layer.work_units import WorkUnits
from mythos_game.service_layer.world_directory import WorldSpan


class GameClock:
    def __init__(
        self,
        world: World,
        roster: Roster,
        publisher: EventPublisher,
        sessions: Sessions,
        *,
        units: WorkUnits,
        crossing: CrossShardMessages,
        arrivals: Arrivals,
        rules: Rules,
        rng: random.Random,
        clock: Callable[[], float],
        limiter: ChatLimiter,
        journal: StreamJournal | None,
        span: WorldSpan | None,
        broadcast_every: int,
        checkpoint_every: int,
        owns: RoomTest = every_room,
    ) -> None:
        """``broadcast_every``: ticks between ``game_tick`` broadcasts; with a journal,
        a tick every ``checkpoint_every`` records every stream's head; ``owns``: whether
        this shard owns a room's zone now (asked at every tick: zones move), the only
        rooms where the clock fills spawn rules and runs floors, NPCs and fights."""
        self._world = world
        self._roster = roster
        self._publisher = publisher
        self._sessions = sessions
        self._units = units
        self._crossing = crossing
        self._arrivals = arrivals
        self._rules = rules
        self._rng = rng
        self._clock = clock
        self._limiter = limiter
        self._journal = journal
        self._span = span
        self._broadcast_every = broadcast_every
        self._checkpoint_every = checkpoint_every
        self._owns = owns
        self.tick_number = 0
        """Ticks run since the start (what commands see as ``Context.tick``)."""

    async def start_spawns(self) -> None:
        """Fill every spawn rule of the rooms this shard owns to its ``max``; only once
        the stored floor items are in ``state`` (counting fewer would duplicate them)."""
        async with self._units.unit():
            outcome = TickOutcome()
            fill_spawns(self.tick_context(), outcome)
            await self._apply_tick(outcome)

    async def tick(self) -> None:
        async with self._units.unit():
            self.tick_number += 1
            if self._journal is not None and self.tick_number % self._checkpoint_every == 0:
                self._journal.touch_everyone()
            await self._sessions.tick()
            PLAYERS_ONLINE.set(len(self._roster))  # link-dead players time out here
            await self._crossing.answer_late_calls()
            self._arrivals.ward_newcomers(self._clock(), self._rules.arrival_ward_seconds)
            ctx = self.tick_context()
            await self._apply_tick(run_tick(ctx), ctx.status)
            if self._span is not None:
                await self._span.presence.tick()  # after the clock moved anyone
            if self.tick_number % self._broadcast_every == 0:
                tick = GameTickData(tick_number=self.tick_number, timestamp=utc_now().isoformat())
                await self._publisher.publish([Outgoing("game_tick", ToEveryone(), tick)])
                self._limiter.forget_older_than(self._clock())

    def tick_context(self) -> TickContext:
        """What the clock's systems see now."""
        return TickContext(
            self._world,
            self._roster,
            self._sessions.state,
            self.tick_number,
            self._clock(),
            self._rng,
            self._rules,
            self._sessions.links,
            owns=self._owns,
        )

    async def _apply_tick(self, outcome: TickOutcome, ledger: StatusLedger | None = None) -> None:
        moved = self._sessions.unbind_moved()
        saved: set[str] = set()
        for player in outcome.changed_players:
            await self._sessions.save(player)
            saved.add(player.character.id)
        # What the tick's room entries may bring (an uneasy mind's visions).
        entries = self._arrivals.room_entries(self._rng, self._rules.lucidity_random_effects)
        events = [*outcome.events, *entries]
        if ledger is not None:
            for character in ledger.changed():
                if character.id not in saved:
                    await self._sessions.save_character(character)
            # At most one status_update per character per tick, after the tick's events.
            events += ledger.events()
        await self._sessions.items.save_changed(self._sessions.state)
        # Moved by the clock (a breakdown, a fall, a fight's end) into another shard's
        # room: they leave once saved, before anything is numbered for them here.
        transfers = self._crossing.depart(moved)
        await self._publisher.publish(events)
        await self._crossing.send_transfers(transfers)
