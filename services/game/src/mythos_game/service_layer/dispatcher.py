"""The game's one entry point: every message from an edge goes through ``handle``.

Effects are published (and state changes durably queued) before ``handle``
returns, and the bus acks the message only then.
"""

from __future__ import annotations

import logging

from mythos_contracts.envelope import (
    EdgeMessage,
    InvalidInput,
    PlayerCommand,
    RoomBound,
    SessionClosed,
    SessionOpened,
)
from mythos_contracts.events import (
    CommandResponseData,
    DisconnectData,
    ErrorData,
    GameStateData,
    PlayerView,
    PresenceData,
)
from mythos_contracts.persistence import PlayerStateChanged

from mythos_game.domain.commands.base import Context, Outcome
from mythos_game.domain.commands.registry import COMMANDS, parse
from mythos_game.domain.outgoing import Outgoing, ToPlayer, ToRoom
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.views import room_view
from mythos_game.domain.world import World
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.player_store import PlayerStore, PlayerStoreUnavailable
from mythos_game.service_layer.sequencer import Sequencer

log = logging.getLogger(__name__)

# Close codes the game asks an edge to use (documented in docs/protocol.md).
CLOSE_SESSION_REPLACED = 4001
CLOSE_TRY_AGAIN_LATER = 1013


class Dispatcher:
    def __init__(
        self,
        world: World,
        roster: Roster,
        sequencer: Sequencer,
        publisher: EventPublisher,
        store: PlayerStore,
    ) -> None:
        self._world = world
        self._roster = roster
        self._sequencer = sequencer
        self._publisher = publisher
        self._store = store
        # Last known state of players who went offline; the game is its only writer.
        self._offline: dict[str, tuple[str, int]] = {}

    async def handle(self, message: EdgeMessage) -> None:
        if isinstance(message, SessionOpened):
            await self._open(message)
        elif isinstance(message, SessionClosed):
            await self._close(message)
        elif isinstance(message, PlayerCommand):
            await self._command(message)
        elif isinstance(message, InvalidInput):
            await self._invalid(message)
        elif isinstance(message, RoomBound):
            self._bound(message)

    def _current(self, player_id: str, session_id: str) -> Player | None:
        """The player, if ``session_id`` is their live session (stale ones are ignored)."""
        player = self._roster.get(player_id)
        if player is None or player.session_id != session_id:
            return None
        return player

    async def _open(self, msg: SessionOpened) -> None:
        player = self._roster.get(msg.player_id)
        if player is not None:
            if player.session_id != msg.session_id:
                await self._publisher.publish_to_session(
                    "disconnect",
                    player.id,
                    player.session_id,
                    DisconnectData(
                        code=CLOSE_SESSION_REPLACED, reason="session replaced"
                    ).model_dump(),
                )
            player.session_id = msg.session_id
            player.room_bound = False
            await self._start_stream(player)
            return

        try:
            room_id, version = await self._stored_place(msg.player_id, msg.player_name)
        except PlayerStoreUnavailable:
            self._sequencer.open(msg.player_id)
            await self._publisher.publish_to_session(
                "disconnect",
                msg.player_id,
                msg.session_id,
                DisconnectData(
                    code=CLOSE_TRY_AGAIN_LATER,
                    reason="your character could not be loaded right now; try again shortly",
                ).model_dump(),
            )
            self._sequencer.close(msg.player_id)
            return

        player = Player(msg.player_id, msg.player_name, room_id, version, msg.session_id)
        if not version:
            player.version = 1
            await self._save(player)
        self._roster.add(player)
        await self._start_stream(player)
        presence = PresenceData(player_id=player.id, player_name=player.name)
        await self._publisher.publish(
            [
                Outgoing(
                    "player_entered",
                    ToRoom(player.room_id, frozenset({player.id})),
                    presence,
                    player.room_id,
                )
            ]
        )

    async def _stored_place(self, player_id: str, name: str) -> tuple[str, int]:
        known = self._offline.get(player_id)
        if known is None:
            reply = await self._store.load(player_id, name)
            known = (reply.room_id or self._world.start_room, reply.version)
        room_id, version = known
        if not self._world.has_room(room_id):
            log.warning("player %s stood in unknown room %s; moving to start", player_id, room_id)
            return self._world.start_room, version
        return room_id, version

    async def _start_stream(self, player: Player) -> None:
        stream = self._sequencer.open(player.id)
        state = GameStateData(
            player=PlayerView(id=player.id, name=player.name),
            room=room_view(self._world, self._roster, player.room_id),
            epoch=stream.epoch,
        )
        await self._publisher.publish_to_session(
            "game_state", player.id, player.session_id, state.model_dump(mode="json")
        )

    async def _close(self, msg: SessionClosed) -> None:
        player = self._current(msg.player_id, msg.session_id)
        if player is None:
            return
        self._roster.remove(player.id)
        self._sequencer.close(player.id)
        self._offline[player.id] = (player.room_id, player.version)
        presence = PresenceData(player_id=player.id, player_name=player.name)
        await self._publisher.publish(
            [Outgoing("player_left", ToRoom(player.room_id), presence, player.room_id)]
        )

    async def _command(self, msg: PlayerCommand) -> None:
        player = self._current(msg.player_id, msg.session_id)
        if player is None:
            log.info("dropping command from stale session %s", msg.session_id)
            return
        outcome = self._run(player, msg)
        if outcome.state_changed:
            await self._save(player)
        response = CommandResponseData(
            command=msg.command,
            command_id=msg.command_id,
            success=outcome.success,
            result=outcome.text,
        )
        await self._publisher.publish(
            [*outcome.events, Outgoing("command_response", ToPlayer(player.id), response)]
        )

    def _run(self, player: Player, msg: PlayerCommand) -> Outcome:
        parsed = parse(msg.command, msg.args)
        if parsed is None:
            return Outcome(False, f"Unknown command '{msg.command}'. Type 'help' for the list.")
        ctx = Context(self._world, self._roster, player, COMMANDS)
        try:
            return parsed.spec.run(ctx, parsed.args)
        except Exception:
            # A bug in one command must not take the player's connection or the queue with it.
            log.exception("command %r failed for %s", msg.command, player.id)
            return Outcome(False, "Something went wrong with that command; it has been logged.")

    async def _invalid(self, msg: InvalidInput) -> None:
        if self._current(msg.player_id, msg.session_id) is None:
            return
        error = ErrorData(message=msg.reason, command_id=msg.command_id)
        await self._publisher.publish([Outgoing("error", ToPlayer(msg.player_id), error)])

    def _bound(self, msg: RoomBound) -> None:
        player = self._current(msg.player_id, msg.session_id)
        if player is not None and player.room_id == msg.room_id:
            player.room_bound = True

    async def _save(self, player: Player) -> None:
        await self._store.save(
            PlayerStateChanged(
                player_id=player.id,
                name=player.name,
                room_id=player.room_id,
                version=player.version,
            )
        )
