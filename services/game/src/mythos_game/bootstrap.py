"""Wires the game service together; nothing here knows which bus adapter it got."""

from __future__ import annotations

import logging

from mythos_contracts.bus import Bus
from mythos_contracts.routing import GAME_COMMANDS_QUEUE

from mythos_game.adapters.persistence_client import PersistenceClient
from mythos_game.adapters.world_files import load_world
from mythos_game.domain.roster import Roster
from mythos_game.entrypoints.consumer import command_consumer
from mythos_game.service_layer.dispatcher import Dispatcher
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.sequencer import Sequencer
from mythos_game.settings import GameSettings

log = logging.getLogger(__name__)


class GameService:
    """Construct with a connected bus; ``start`` loads the world (raising ``WorldError``
    on a broken one) and starts consuming commands."""

    def __init__(self, settings: GameSettings, bus: Bus) -> None:
        self._settings = settings
        self._bus = bus
        self.ready = False

    async def start(self) -> None:
        world = load_world(self._settings.world_dir)
        log.info("world loaded: %d rooms, start room %s", len(world.rooms), world.start_room)
        roster = Roster()
        sequencer = Sequencer()
        store = PersistenceClient(
            self._bus,
            timeout=self._settings.persistence_timeout,
            attempts=self._settings.persistence_attempts,
        )
        dispatcher = Dispatcher(
            world, roster, sequencer, EventPublisher(self._bus, roster, sequencer), store
        )
        await self._bus.consume(
            GAME_COMMANDS_QUEUE,
            command_consumer(dispatcher),
            prefetch=self._settings.command_prefetch,
        )
        self.ready = True

    async def stop(self) -> None:
        self.ready = False
