"""Wires the game service together; nothing here knows which bus adapter it got.

Also what the health endpoints ask of it: readiness checks (broker connected, world
loaded, consuming commands) and the liveness verdict (the game clock still runs)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping

from mythos_contracts.bus import Bus, Delivery, Settlement
from mythos_contracts.bus.journal import Journal
from mythos_contracts.bus.journal_batch import BatchingJournal
from mythos_contracts.ops.health import Check
from mythos_contracts.routing import shard_inbox, shard_inbox_bindings

from mythos_game.adapters.bench_world import bench_shard_map, bench_world
from mythos_game.adapters.persistence_client import PersistenceClient
from mythos_game.adapters.shard_map_file import place_shard
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.shard_map import ShardMap
from mythos_game.domain.world import World
from mythos_game.entrypoints.consumer import CommandIntake, dead_letter_to
from mythos_game.readiness import BrokerDisconnected, NotConsuming, WorldNotLoaded
from mythos_game.service_layer.dispatcher import Dispatcher
from mythos_game.service_layer.edge_sync import sync_with_edges
from mythos_game.service_layer.event_carriers import EventCarriers
from mythos_game.service_layer.game_parts import GameParts, build_game_parts
from mythos_game.service_layer.journal_records import Recovered
from mythos_game.service_layer.journal_start import JournalTail, follow, merged, take_over
from mythos_game.service_layer.links import Links
from mythos_game.service_layer.player_store import PlayerStoreUnavailable
from mythos_game.service_layer.sequencer import HistoryLimits, Sequencer
from mythos_game.service_layer.start_up import (
    keep_loading_names,
    load_floor_items,
    load_names,
    pass_save_fence,
    raise_term,
    take_handoff,
)
from mythos_game.service_layer.stream_handoff import HandedOver, hand_off
from mythos_game.service_layer.stream_journal import StreamJournal, exit_now
from mythos_game.service_layer.watchdog import LoopWatchdog
from mythos_game.service_layer.world_directory import DirectoryReplica, follow_directory
from mythos_game.settings import GameSettings

log = logging.getLogger(__name__)


class GameService:
    """The game, as the contract's lifecycle runs it: ``start`` (on a connected bus)
    loads the world (raising ``WorldError`` on a broken one), checks the shard map
    against it (raising ``ShardMapError``) and starts consuming commands; ``drain``
    finishes the command in hand, takes no more and hands the streams over; ``stop``
    does the same if nothing drained yet (then close the bus)."""

    def __init__(
        self,
        settings: GameSettings,
        bus: Bus,
        journal: Journal | None = None,
        *,
        zone_map: Journal | None = None,
        on_journal_lost: Callable[[], None] = exit_now,
        retire_legacy_inbox: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """``journal``: where each unit of work is recorded before it is published (and
        what a start continues the streams from); None records nothing.
        ``zone_map``: the world's zone map log (used with a journal, on a split map).
        ``on_journal_lost``: what to do when a unit is not confirmed (exit the process).
        ``retire_legacy_inbox``: run at start, before the inbox is consumed (on RabbitMQ:
        delete the pre-shard inbox if it is empty and unused, else warn)."""
        self._settings = settings
        self._retire_legacy_inbox = retire_legacy_inbox
        self._bus: Bus = EventCarriers(bus, max_envelopes=settings.event_carrier_envelopes)
        # A turn's records as one stream message (its envelopes: as few, ``EventCarriers``),
        # and the turns' that end while one is unconfirmed (group commit).
        self._journal = (
            None
            if journal is None
            else BatchingJournal(
                journal,
                max_bytes=settings.journal_batch_max_bytes,
                in_flight=settings.journal_batches_in_flight,
            )
        )
        self._zone_map = zone_map if journal is not None else None
        self._on_journal_lost = on_journal_lost
        self._world_loaded = False
        self._intake: CommandIntake | None = None
        self._stopping = asyncio.Event()
        self._ticker: asyncio.Task[None] | None = None
        self._history_loader: asyncio.Task[None] | None = None
        self._names_loader: asyncio.Task[None] | None = None
        self._handoff: tuple[PersistenceClient, Links, Sequencer] | None = None
        self._standing_by = False
        self._claimed = False
        self._watchdog: LoopWatchdog | None = None
        self.term: int | None = None
        """This game's term for its shard, once raised at start."""
        self.shard_map: ShardMap | None = None
        """The shard map, once checked against the loaded world at start."""
        self.instance_id = settings.instance_id or f"game-{uuid.uuid4().hex[:8]}"
        self.directory: DirectoryReplica | None = None
        """This instance's replica of the world directory (a split map only)."""
        self.parts: GameParts | None = None
        """The game's parts, once this instance took its shard over."""

    @property
    def ready(self) -> bool:
        """Consuming commands (or standing by for them) and not stopping."""
        consuming = self._intake is not None or self._standing_by
        return consuming and not self._stopping.is_set()

    @property
    def active(self) -> bool:
        """This instance holds the shard: it took it over and handles its inbox."""
        return self._intake is not None

    def readiness(self) -> Mapping[str, Check]:
        """The checks of ``/readyz``: each returns when fine and raises otherwise."""

        async def broker() -> None:
            if not self._bus.is_connected():
                raise BrokerDisconnected

        async def world() -> None:
            if not self._world_loaded:
                raise WorldNotLoaded

        async def consuming() -> None:
            if not self.ready:
                raise NotConsuming

        return {"broker": broker, "world": world, "consuming": consuming}

    def fatal(self) -> str | None:
        """Why the process cannot heal by itself (``/healthz`` fails), else None.

        The command consumer's task belongs to the bus and is not visible through the
        port; the game clock is ours, and a game whose clock stopped never times out
        link-dead players or sends heartbeats again."""
        ticker = self._ticker
        if ticker is None or not ticker.done() or self._stopping.is_set():
            return None
        if ticker.cancelled():
            return "the game clock was cancelled"
        return f"the game clock stopped: {type(ticker.exception()).__name__}"

    async def start(self) -> None:
        """Load the world, then take the shard over at once, or (``GAME_STANDBY``) when
        the broker first hands this instance a delivery from the single-active inbox."""
        if self._settings.world == "bench":
            world = bench_world(self._settings.bench_rooms, self._settings.bench_zones)
        else:
            world = load_world(self._settings.world_dir)
        log.info("world loaded: %d rooms, start room %s", len(world.rooms), world.start_room)
        # Refused like a broken world: a game never runs on a map it cannot follow.
        shard = self._settings.shard
        split_bench = self._settings.world == "bench" and self._settings.bench_zones > 1
        self.shard_map = place_shard(
            self._settings.shard_map,
            shard,
            world.zone_ids(),
            built_in=bench_shard_map(self._settings.bench_zones) if split_bench else None,
        )
        log.info("%s", self.shard_map.ownership(shard))
        self._world_loaded = True
        # Standbys too: a takeover's first `who` already sees the other shards.
        self.directory = await follow_directory(
            self._bus, self.shard_map, self._settings, self.instance_id
        )
        prefetch = self._settings.command_prefetch
        inbox = await self._declare_inbox()
        if not self._settings.standby:
            intake = await self._take_over(world, None)
            await self._bus.consume(inbox, intake, prefetch=prefetch)
            self._intake = intake
            return

        tail = None
        if self._journal is not None:
            # Warm while waiting: a takeover then reads only the journal's last moments.
            tail = await follow(self._journal, self._settings.journal_read_seconds)

        async def first_delivery(delivery: Delivery) -> Settlement | None:
            intake = self._intake
            if intake is None:
                # The inbox is single-active: a delivery means the active game is gone.
                log.info("the broker handed this instance the inbox: taking the shard over")
                self._claimed = True
                started = loop.time()
                intake = self._intake = await self._take_over(world, tail)
                log.info("took the shard over in %.0f ms", (loop.time() - started) * 1000)
            return await intake(delivery)

        loop = asyncio.get_running_loop()
        # On the loss, not the reconnect: a robust connection restores its channels
        # (and re-sends what was unconfirmed) before it reports one.
        self._bus.on_connection_lost(self._exit_if_active)
        if self._journal is not None:
            self._journal.on_connection_lost(self._exit_if_active)
        if self._settings.watchdog_seconds > 0:
            self._watchdog = LoopWatchdog(self._settings.watchdog_seconds)
            self._watchdog.start()
        await self._bus.consume(inbox, first_delivery, prefetch=prefetch)
        self._standing_by = True
        log.info(
            "standing by: the shard is taken over when the broker hands this instance its inbox"
        )

    async def _declare_inbox(self) -> str:
        """This shard's inbox with its bindings (``shard_inbox_bindings``), declared again
        (the fixed topology holds the default shard's); returns its name."""
        shard = self._settings.shard
        inbox = shard_inbox(shard)
        await self._bus.declare_queue(inbox, single_active=True)
        for exchange, pattern in shard_inbox_bindings(shard):
            await self._bus.bind(inbox, exchange, pattern)
        if self._retire_legacy_inbox is not None:
            await self._retire_legacy_inbox()
        return inbox

    def _exit_if_active(self) -> None:
        """A lost broker connection (the bus's or the journal's) may have handed the
        inbox to a standby, and this instance's memory may be ahead of the journal: one
        that holds the shard, or has begun taking it over, must not go on. A frozen one
        (SIGSTOP, a paused VM) finds both lost when it runs again, and ends here."""
        if self._claimed and not self._stopping.is_set():
            exit_now("the broker connection was lost while this instance held the shard")

    async def _take_over(self, world: World, tail: JournalTail | None) -> CommandIntake:
        """Everything a game does before its first command: the journal, the save
        fence, the term, the names, history, handoff and floor items, spawns, the edges'
        sync, the clock; returns the inbox's handler. The game's parts are built from
        the settings by ``build_game_parts``; their loading and starting is done here."""
        links = Links()
        limits = HistoryLimits(self._settings.history_messages, self._settings.history_seconds)
        sequencer = Sequencer(limits)
        recovered = Recovered(streams=[], handled={}, unpublished=[])
        recorder: StreamJournal | None = None
        bus, shard_map, settings = self._bus, self.shard_map, self._settings
        assert shard_map is not None  # checked in ``start``, before any takeover
        if self._journal is not None:
            # First: what the last game recorded but may not have published goes out
            # (under its term, and before the save fence, so its saves are written).
            zone_map = self._zone_map if len(shard_map.shards) > 1 else None
            recovered = await take_over(
                self._journal, self._bus, limits, settings.journal_read_seconds, tail, zone_map
            )
            recorder = StreamJournal(
                self._journal,
                self._bus,
                sequencer,
                links,
                append_timeout=self._settings.journal_append_timeout_seconds,
                confirm_first=self._settings.journal_confirm_first,
                on_lost=self._on_journal_lost,
            )
            bus = recorder.bus
            recorder.zone_map = zone_map  # a unit's zone moves go to the log too
        store = PersistenceClient(
            bus,
            timeout=self._settings.persistence_timeout,
            attempts=self._settings.persistence_attempts,
        )
        # Before the first load: what the previous game saved is written by then.
        await pass_save_fence(store, self._settings)
        # Before anything is published: every envelope carries the new term.
        term = self.term = await raise_term(store, self._settings)
        if recorder is not None:
            recorder.term = term
        parts = build_game_parts(
            settings,
            world,
            links=links,
            sequencer=sequencer,
            bus=bus,
            unrecorded=self._bus,
            store=store,
            recorder=recorder,
            term=term,
            shard_map=shard_map,
            directory=self.directory,
            instance_id=self.instance_id,
            forwarded=recovered.forwards,
            moved_zones=recovered.zones,
            pending_calls=recovered.calls,
        )
        self.parts = parts
        sessions, history, dispatcher = parts.sessions, parts.history, parts.dispatcher
        # Before anyone is adopted: a first login picks a free name from these.
        if not await load_names(store, parts.names):
            self._names_loader = asyncio.create_task(
                keep_loading_names(store, parts.names), name="character names"
            )
        handed = await take_handoff(store, settings) if settings.handoff else []
        if settings.handoff:
            self._handoff = (store, links, sequencer)
        sessions.handed_over = HandedOver(merged(handed, recovered.streams))
        # Before anyone is (re)adopted, so they get the history too; never for long.
        if not await history.load():
            self._history_loader = asyncio.create_task(history.keep_loading(), name="history")

        def held_here(room_id: str) -> bool:
            # A room the world lacks: ``place`` logs the item and leaves it out.
            return not world.has_room(room_id) or parts.owners.owns_room(world, room_id)

        # Spawn rules count the items on the floors: never before those are loaded.
        await load_floor_items(store, sessions, settings, held_here)
        await dispatcher.start_spawns()
        await sync_with_edges(
            self._bus,
            dispatcher,
            sessions,
            seconds=self._settings.edge_sync_seconds,
            publisher=self._settings.command_publisher,
        )
        self._ticker = asyncio.create_task(self._tick(dispatcher), name="game tick")
        return CommandIntake(
            dispatcher,
            dead_letter=dead_letter_to(self._bus, shard_inbox(settings.shard)),
            publisher=self._settings.command_publisher,
            accounts=self._settings.accounts_publisher,
            shards=self._settings.shard_publisher,
            handled=recovered.handled,
        )

    async def _hand_off(self, time_left: float) -> None:
        if self._handoff is None or time_left <= 0:
            return
        store, links, sequencer = self._handoff
        timeout = min(time_left, self._settings.handoff_timeout_seconds)
        try:
            async with asyncio.timeout(time_left):
                count = await hand_off(store, links, sequencer, timeout=timeout)
        except (PlayerStoreUnavailable, TimeoutError) as exc:
            log.warning("streams not handed off (%s): players will get a resync", exc)
            return
        log.info("handed %d stream(s) to the next game", count)

    async def _tick(self, dispatcher: Dispatcher) -> None:
        while not self._stopping.is_set():
            # A tick's sleep, cut by a stop; the tick under way gets what grace is left.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._settings.tick_seconds)
                return
            try:
                await dispatcher.tick()
            except Exception:
                log.exception("game tick failed")

    async def drain(self) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Stop consuming, let the command in hand finish (its events published, its
        delivery acked) within ``shutdown_grace_seconds``, stop the clock. Close the bus
        afterwards: that returns whatever was not handled to the broker, unacked."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        grace = self._settings.shutdown_grace_seconds
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        if self._intake is not None:
            log.info("stopping: finishing the command in hand (at most %.0fs)", grace)
            try:
                async with asyncio.timeout(grace):
                    await self._bus.stop_consuming()
                log.info("stopped taking commands; none is in hand")
            except TimeoutError:
                # Abandoned unacked: the broker hands it to the next game.
                log.warning("a command was still in hand after %.1fs; stopping anyway", grace)
        if self._ticker is not None:
            # The clock saw the stop; a tick under way may finish in the time left.
            await asyncio.wait({self._ticker}, timeout=max(0.0, deadline - loop.time()))
        for task in (self._ticker, self._history_loader, self._names_loader):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        # The streams are final: the rest of the grace is the handoff's (bus still open).
        await self._hand_off(deadline - loop.time())
        for journal in (self._journal, self._zone_map):
            if journal is not None:
                await journal.close()
        if self._watchdog is not None:
            self._watchdog.stop()
