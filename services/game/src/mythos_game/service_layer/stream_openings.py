"""What opens a player's stream (a login, a resync, ``play``): a ``game_state`` on a new
epoch of their stream, to their connection, then the welcome (the chat history)."""

from __future__ import annotations

from collections.abc import Callable

from mythos_contracts.events import GameStateData, PlayerView

from mythos_game.domain.game_state import GameState
from mythos_game.domain.outgoing import Outgoing
from mythos_game.domain.possessions import inventory_of
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.views import room_view
from mythos_game.domain.world import World
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.links import Links
from mythos_game.service_layer.sequencer import Sequencer

Welcome = Callable[[Player], list[Outgoing]]
"""What a player gets right after the ``game_state`` of a login (the chat history)."""


class StreamOpenings:
    def __init__(
        self,
        world: World,
        roster: Roster,
        links: Links,
        sequencer: Sequencer,
        publisher: EventPublisher,
        state: GameState,
        *,
        heartbeat_interval: float,
        inventory_slots: int,
        welcome: Welcome | None,
    ) -> None:
        self._world = world
        self._roster = roster
        self._links = links
        self._sequencer = sequencer
        self._publisher = publisher
        self._state = state
        self._heartbeat_interval = heartbeat_interval
        self._inventory_slots = inventory_slots
        self._welcome = welcome

    async def start(self, player: Player, *, resync: bool) -> None:
        """A new epoch of the player's stream, opened by its ``game_state``."""
        self._sequencer.open(player.id, self._links[player.id].connection_id)
        await self.announce(player, resync=resync)

    async def announce(self, player: Player, *, resync: bool) -> None:
        """The ``game_state`` that opens the player's stream (opened already: here by
        ``start``, or on the shard they logged in on)."""
        connection_id = self._links[player.id].connection_id
        stream = self._sequencer.get(player.id)
        if stream is None:
            raise ValueError(f"{player.id} has no stream to open")
        state = GameStateData(
            player=PlayerView(id=player.character_id, name=player.name),
            room=room_view(self._world, self._roster, player.room_id, self._state),
            epoch=stream.epoch,
            session_id=stream.session_id,
            resync=resync,
            heartbeat_interval_seconds=self._heartbeat_interval,
            character=player.character.view().model_copy(
                update={"inventory": inventory_of(self._state, player, self._inventory_slots)}
            ),
        )
        await self._publisher.publish_to_connection(
            "game_state", player.id, connection_id, state.model_dump(mode="json")
        )

    async def greet(self, player: Player) -> None:
        """The welcome, after a login's ``game_state``."""
        if self._welcome is not None:
            await self._publisher.publish(self._welcome(player))
