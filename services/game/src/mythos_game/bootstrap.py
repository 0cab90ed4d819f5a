"""Wires the game service together; nothing here knows which bus adapter it got."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.envelope import EdgeHeartbeat
from mythos_contracts.routing import EVENTS_EXCHANGE, GAME_COMMANDS_QUEUE, GAME_SYNC_KEY

from mythos_game.adapters.bench_world import bench_world
from mythos_game.adapters.persistence_client import PersistenceClient
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.roster import Roster
from mythos_game.entrypoints.consumer import command_consumer
from mythos_game.service_layer.chat_history import ChatHistory
from mythos_game.service_layer.dispatcher import Dispatcher
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.sequencer import HistoryLimits, Sequencer
from mythos_game.service_layer.sessions import Sessions, SessionTimings
from mythos_game.settings import GameSettings

log = logging.getLogger(__name__)


class GameService:
    """Construct with a connected bus; ``start`` loads the world (raising ``WorldError``
    on a broken one) and starts consuming commands."""

    def __init__(self, settings: GameSettings, bus: Bus) -> None:
        self._settings = settings
        self._bus = bus
        self.ready = False
        self._ticker: asyncio.Task[None] | None = None
        self._history_loader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._settings.world == "bench":
            world = bench_world(self._settings.bench_rooms)
        else:
            world = load_world(self._settings.world_dir)
        log.info("world loaded: %d rooms, start room %s", len(world.rooms), world.start_room)
        roster = Roster()
        sequencer = Sequencer(
            HistoryLimits(self._settings.history_messages, self._settings.history_seconds)
        )
        store = PersistenceClient(
            self._bus,
            timeout=self._settings.persistence_timeout,
            attempts=self._settings.persistence_attempts,
        )

        def subzone_of(room_id: str) -> str:
            return world.room(room_id).subzone_id

        publisher = EventPublisher(self._bus, roster, sequencer, subzone_of)
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
            sequencer,
            publisher,
            store,
            SessionTimings(
                linkdead_grace=settings.linkdead_grace_seconds,
                heartbeat_interval=settings.heartbeat_interval_seconds,
                edge_timeout=settings.edge_timeout_seconds,
            ),
            welcome=history.welcome,
        )
        dispatcher = Dispatcher(
            world,
            roster,
            publisher,
            sessions,
            tick_broadcast_every=self._settings.tick_broadcast_every,
            rules=settings.rules(),
            history=history,
        )
        # Before anyone is (re)adopted, so they get the history too; never for long.
        if not await history.load():
            self._history_loader = asyncio.create_task(history.keep_loading(), name="history")
        await self._sync_with_edges(dispatcher)
        self._ticker = asyncio.create_task(self._tick(dispatcher), name="game tick")
        await self._bus.consume(
            GAME_COMMANDS_QUEUE,
            command_consumer(dispatcher),
            prefetch=self._settings.command_prefetch,
        )
        self.ready = True

    async def _sync_with_edges(self, dispatcher: Dispatcher) -> None:
        """Learn who is connected before running queued commands, so a line said while
        the game was down reaches everyone who was in the room (they are adopted first)."""
        queue = f"mythos.game.sync.{uuid.uuid4().hex}"
        answers: list[EdgeHeartbeat] = []

        async def collect(delivery: Delivery) -> None:
            answers.append(EdgeHeartbeat.model_validate_json(delivery.body))

        await self._bus.declare_queue(queue, exclusive=True, dead_letter=False)
        await self._bus.consume(queue, collect)
        await self._bus.publish(
            EVENTS_EXCHANGE, GAME_SYNC_KEY, b"{}", persistent=False, reply_to=queue
        )
        await asyncio.sleep(self._settings.edge_sync_seconds)
        for beat in answers:
            await dispatcher.handle(beat)
        log.info("synced with %d edge(s) before consuming commands", len(answers))

    async def _tick(self, dispatcher: Dispatcher) -> None:
        while True:
            await asyncio.sleep(self._settings.tick_seconds)
            try:
                await dispatcher.tick()
            except Exception:
                log.exception("game tick failed")

    async def stop(self) -> None:
        self.ready = False
        for task in (self._ticker, self._history_loader):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
