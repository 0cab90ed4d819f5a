"""Wires the game service together; nothing here knows which bus adapter it got.

Also what the health endpoints ask of it: readiness checks (broker connected, world
loaded, consuming commands) and the liveness verdict (the game clock still runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Mapping

from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.bus.journal import Journal
from mythos_contracts.envelope import SINGLE_SHARD, EdgeHeartbeat
from mythos_contracts.ops.health import Check
from mythos_contracts.persistence import StreamHandoff
from mythos_contracts.routing import (
    COMMANDS_EXCHANGE,
    EDGE_HEARTBEATS_PATTERN,
    EVENTS_EXCHANGE,
    GAME_COMMANDS_QUEUE,
    GAME_SYNC_KEY,
    game_sync_queue,
)

from mythos_game.adapters.bench_world import bench_world
from mythos_game.adapters.persistence_client import PersistenceClient
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.characters import CharacterNames
from mythos_game.domain.roster import Roster
from mythos_game.entrypoints.consumer import CommandIntake
from mythos_game.service_layer.account_requests import AccountRequests
from mythos_game.service_layer.chat_history import ChatHistory
from mythos_game.service_layer.dispatcher import Dispatcher
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.item_store import ItemRecords, ItemSaves
from mythos_game.service_layer.journal_records import Recovered
from mythos_game.service_layer.journal_start import merged, take_over
from mythos_game.service_layer.links import Links
from mythos_game.service_layer.player_store import PlayerStoreUnavailable
from mythos_game.service_layer.sequencer import HistoryLimits, Sequencer
from mythos_game.service_layer.sessions import Sessions, SessionTimings
from mythos_game.service_layer.stream_handoff import HandedOver, hand_off
from mythos_game.service_layer.stream_journal import StreamJournal
from mythos_game.settings import GameSettings

log = logging.getLogger(__name__)


class NotReady(RuntimeError):
    """A readiness check failed; its subclass's name is the detail /readyz shows."""


class BrokerDisconnected(NotReady):
    pass


class WorldNotLoaded(NotReady):
    pass


class NotConsuming(NotReady):
    pass


class GameService:
    """The game, as the contract's lifecycle runs it: ``start`` (on a connected bus)
    loads the world (raising ``WorldError`` on a broken one) and starts consuming
    commands; ``drain`` finishes the command in hand, takes no more and hands the
    streams over; ``stop`` does the same if nothing drained yet (then close the bus)."""

    def __init__(self, settings: GameSettings, bus: Bus, journal: Journal | None = None) -> None:
        """``journal``: where each unit of work is recorded before it is published (and
        what a start continues the streams from); None records nothing."""
        self._settings = settings
        self._bus = bus
        self._journal = journal
        self._world_loaded = False
        self._intake: CommandIntake | None = None
        self._stopping = asyncio.Event()
        self._ticker: asyncio.Task[None] | None = None
        self._history_loader: asyncio.Task[None] | None = None
        self._names_loader: asyncio.Task[None] | None = None
        self._handoff: tuple[PersistenceClient, Links, Sequencer] | None = None
        self.term: int | None = None
        """This game's term for its shard, once raised at start."""

    @property
    def ready(self) -> bool:
        """Consuming commands and not stopping."""
        return self._intake is not None and not self._stopping.is_set()

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
        if self._settings.world == "bench":
            world = bench_world(self._settings.bench_rooms)
        else:
            world = load_world(self._settings.world_dir)
        log.info("world loaded: %d rooms, start room %s", len(world.rooms), world.start_room)
        self._world_loaded = True
        roster = Roster()
        links = Links()
        limits = HistoryLimits(self._settings.history_messages, self._settings.history_seconds)
        sequencer = Sequencer(limits)
        recovered = Recovered(streams=[], handled={}, unpublished=[])
        recorder: StreamJournal | None = None
        bus = self._bus
        if self._journal is not None:
            # First: what the last game recorded but may not have published goes out
            # (under its term, and before the save fence, so its saves are written).
            recovered = await take_over(
                self._journal, self._bus, limits, self._settings.journal_read_seconds
            )
            recorder = StreamJournal(
                self._journal,
                self._bus,
                sequencer,
                links,
                append_timeout=self._settings.journal_append_timeout_seconds,
            )
            bus = recorder.bus
        store = PersistenceClient(
            bus,
            timeout=self._settings.persistence_timeout,
            attempts=self._settings.persistence_attempts,
        )

        def subzone_of(room_id: str) -> str:
            return world.room(room_id).subzone_id

        # Before the first load: what the previous game saved is written by then.
        await self._pass_save_fence(store)
        # Before anything is published: every envelope carries the new term.
        term = await self._raise_term(store)
        if recorder is not None:
            recorder.term = term
        publisher = EventPublisher(
            bus, roster, links, sequencer, subzone_of, shard=SINGLE_SHARD, term=term
        )
        names = CharacterNames()
        # Before anyone is adopted: a first login picks a free name from these.
        if not await self._load_names(store, names):
            self._names_loader = asyncio.create_task(
                self._keep_loading_names(store, names), name="character names"
            )
        settings = self._settings
        history = ChatHistory(
            store,
            subzone_of,
            size=settings.chat_history_lines,
            load_timeout=settings.chat_history_timeout_seconds,
        )
        sessions = Sessions(
            world,
            roster,
            links,
            sequencer,
            publisher,
            store,
            SessionTimings(
                linkdead_grace=settings.linkdead_grace_seconds,
                heartbeat_interval=settings.heartbeat_interval_seconds,
                edge_timeout=settings.edge_timeout_seconds,
            ),
            welcome=history.welcome,
            names=names,
            items=ItemSaves(ItemRecords(world), store),
            inventory_slots=settings.inventory_slots,
        )
        dispatcher = Dispatcher(
            world,
            roster,
            publisher,
            sessions,
            tick_broadcast_every=self._settings.tick_broadcast_every,
            rules=settings.rules(),
            history=history,
            account_requests=AccountRequests(bus),
            journal=recorder,
            checkpoint_every=settings.journal_checkpoint_ticks,
        )
        handed = await self._take_handoff(store) if settings.handoff else []
        if settings.handoff:
            self._handoff = (store, links, sequencer)
        sessions.handed_over = HandedOver(merged(handed, recovered.streams))
        # Before anyone is (re)adopted, so they get the history too; never for long.
        if not await history.load():
            self._history_loader = asyncio.create_task(history.keep_loading(), name="history")
        # Spawn rules count the items on the floors: never before those are loaded.
        await self._load_floor_items(store, sessions)
        await dispatcher.start_spawns()
        await self._sync_with_edges(dispatcher)
        self._ticker = asyncio.create_task(self._tick(dispatcher), name="game tick")
        intake = CommandIntake(
            dispatcher,
            publisher=self._settings.command_publisher,
            accounts=self._settings.accounts_publisher,
            handled=recovered.handled,
        )
        await self._bus.consume(
            GAME_COMMANDS_QUEUE, intake, prefetch=self._settings.command_prefetch
        )
        self._intake = intake

    async def _pass_save_fence(self, store: PersistenceClient) -> None:
        """Wait until persistence has written every save queued before this start (the
        previous game's last ones, still queued after a kill -9 or a stop), so no start-up
        or login load overtakes them. Asked again until answered: never start on stale
        state (docs/architecture.md, "Saves and loads across a restart")."""
        fence_id = uuid.uuid4().hex
        timeout = self._settings.save_fence_timeout_seconds
        while True:
            try:
                await store.pass_save_fence(fence_id, timeout=timeout)
                break
            except PlayerStoreUnavailable as exc:
                log.warning(
                    "save fence %s not handled by persistence within %.1fs (%s): start-up "
                    "loads wait until the saves queued before it are written; sending it again",
                    fence_id,
                    timeout,
                    exc,
                )
        log.info("save fence %s handled: every save queued before this start is written", fence_id)

    async def _load_names(self, store: PersistenceClient, names: CharacterNames) -> bool:
        """Every active character's name; False (and ``create`` waits) when not loaded."""
        try:
            loaded = await store.character_names()
        except PlayerStoreUnavailable as exc:
            log.warning("character names not loaded yet (%s); 'create' waits for them", exc)
            return False
        names.load({entry.name: entry.character_id for entry in loaded})
        log.info("loaded %d character name(s)", len(loaded))
        return True

    async def _keep_loading_names(
        self, store: PersistenceClient, names: CharacterNames, every: float = 5.0
    ) -> None:
        while True:
            if await self._load_names(store, names):
                return
            await asyncio.sleep(every)

    async def _load_floor_items(self, store: PersistenceClient, sessions: Sessions) -> None:
        """Every item lying on a floor, asked for until persistence answers (a spawn rule
        that counted an empty floor instead would duplicate what lies there)."""
        delay = 0.5
        while True:
            try:
                records = await store.load_floor_items(timeout=self._settings.persistence_timeout)
                break
            except PlayerStoreUnavailable as exc:
                log.warning("floor items not loaded (%s); asking again in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        placed = sessions.items.records.place(sessions.state, records)
        log.info("loaded %d floor item(s)", placed)

    async def _raise_term(self, store: PersistenceClient) -> int:
        """This game's term for its shard, one above the last game's, asked for until
        persistence answers: edges drop envelopes of older terms, so a game that stopped
        answering the broker (or a late publish of its) cannot speak over this one."""
        delay = 0.5
        while True:
            try:
                term = await store.raise_term(
                    SINGLE_SHARD, timeout=self._settings.persistence_timeout
                )
                break
            except PlayerStoreUnavailable as exc:
                log.warning("no term raised yet (%s); asking again in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        log.info("shard %s: term %d", SINGLE_SHARD, term)
        self.term = term
        return term

    async def _take_handoff(self, store: PersistenceClient) -> list[StreamHandoff]:
        """The streams the previous game handed over (none after a crash)."""
        settings = self._settings
        try:
            streams = await store.take_handoff(
                settings.handoff_max_age_seconds, timeout=settings.handoff_timeout_seconds
            )
        except PlayerStoreUnavailable as exc:
            log.warning("no stream handoff taken (%s): players will get a resync", exc)
            return []
        log.info("took %d handed-over stream(s) to continue", len(streams))
        return streams

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

    async def _sync_with_edges(self, dispatcher: Dispatcher) -> None:
        """Learn who is connected before running queued commands, so a line said while
        the game was down reaches everyone who was in the room (they are adopted first)."""
        queue = game_sync_queue()
        answers: list[EdgeHeartbeat] = []
        publisher = self._settings.command_publisher

        async def collect(delivery: Delivery) -> None:
            if publisher and delivery.user_id != publisher:
                log.warning("ignored an edge sync answer from broker user %r", delivery.user_id)
                return
            answers.append(EdgeHeartbeat.model_validate_json(delivery.body))

        # Edges answer with a heartbeat on their own key (the same one they send every
        # few seconds), so this private queue listens to those while the sync lasts.
        await self._bus.declare_queue(queue, exclusive=True, dead_letter=False)
        await self._bus.bind(queue, COMMANDS_EXCHANGE, EDGE_HEARTBEATS_PATTERN)
        await self._bus.consume(queue, collect)
        # reply_to still lets an edge of the previous release answer during a rollout.
        await self._bus.publish(
            EVENTS_EXCHANGE, GAME_SYNC_KEY, b"{}", persistent=False, reply_to=queue
        )
        await asyncio.sleep(self._settings.edge_sync_seconds)
        await self._bus.unbind(queue, COMMANDS_EXCHANGE, EDGE_HEARTBEATS_PATTERN)
        for beat in answers:
            await dispatcher.handle(beat)
        log.info("synced with %d edge(s) before consuming commands", len(answers))

    async def _tick(self, dispatcher: Dispatcher) -> None:
        while not self._stopping.is_set():
            # Sleeps a tick, or less when a stop comes: no new tick starts after a stop,
            # and the one under way gets what is left of the grace to finish.
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
        # Nothing runs any more: the streams are final. What is left of the grace is the
        # handoff's; the bus is still open for it.
        await self._hand_off(deadline - loop.time())
        if self._journal is not None:
            await self._journal.close()
