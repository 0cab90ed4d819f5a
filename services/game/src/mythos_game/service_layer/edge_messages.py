"""What edges say besides players' commands (sessions opened and closed, bound rooms,
replay requests, heartbeats, inputs they refused), and which player a message speaks
for. The dispatcher calls these inside its unit of work: it holds the game's lock.
"""

from __future__ import annotations

import logging

from mythos_contracts.envelope import (
    CommandRefused,
    EdgeHeartbeat,
    EdgeMessage,
    InvalidInput,
    PlayerCommand,
    ReplayRequest,
    RoomBound,
    SessionClosed,
    SessionOpened,
)
from mythos_contracts.events import CommandResponseData, ErrorData
from mythos_contracts.heartbeat_wire import WireEdgeHeartbeat
from mythos_contracts.player_command_wire import WirePlayerCommand

from mythos_game.domain.outgoing import Outgoing, ToPlayer
from mythos_game.domain.roster import Player, Roster
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.sessions import Sessions

log = logging.getLogger(__name__)


class EdgeMessages:
    def __init__(self, roster: Roster, sessions: Sessions, publisher: EventPublisher) -> None:
        self._roster = roster
        self._sessions = sessions
        self._publisher = publisher

    async def handle(self, message: EdgeMessage | WireEdgeHeartbeat) -> None:
        sessions = self._sessions
        if isinstance(message, SessionOpened):
            await sessions.open(message)
        elif isinstance(message, SessionClosed):
            await sessions.closed(message)
        elif isinstance(message, InvalidInput):
            await self._invalid(message)
        elif isinstance(message, CommandRefused):
            await self._refused(message)
        elif isinstance(message, RoomBound):
            sessions.room_bound(message)
        elif isinstance(message, ReplayRequest):
            await sessions.replay(message)
        elif isinstance(message, EdgeHeartbeat | WireEdgeHeartbeat):
            await sessions.edge_heartbeat(message)

    async def speaker(
        self, msg: PlayerCommand | WirePlayerCommand | InvalidInput | CommandRefused
    ) -> Player | None:
        """The player a message speaks for, adopting them if the game does not know them
        (it restarted while they stayed connected); None for a stale connection."""
        player = self._roster.get(msg.player_id)
        if player is None:
            return await self._sessions.adopt(msg.held(), msg.edge_id, resync=True)
        link = self._sessions.links[player.id]
        if link.connection_id != msg.connection_id:
            # DEBUG: a command's own "command handled" line (rejected) already says it.
            log.debug("dropping a message from stale connection %s", msg.connection_id)
            return None
        # The role of the token behind this very message (the edge attaches it to each one,
        # and an in-band refresh may have changed it): what ``who`` shows of the player.
        # The command itself is authorised with the message's role (``Context.role``).
        link.role = msg.player_role
        return player

    async def _invalid(self, msg: InvalidInput) -> None:
        if await self.speaker(msg) is None:
            return
        error = ErrorData(message=msg.reason, command_id=msg.command_id)
        answer = Outgoing("error", ToPlayer(msg.player_id), error, answers=msg.delivery_id)
        await self._publisher.publish([answer])

    async def _refused(self, msg: CommandRefused) -> None:
        """The edge's rate refusal, answered like any command (one ``command_response``) but
        not remembered under its id: the command did not run, and may be sent again."""
        if await self.speaker(msg) is None:
            return
        response = CommandResponseData(
            command=msg.command,
            command_id=msg.command_id,
            success=False,
            result=msg.reason,
            retry_after=msg.retry_after,
        )
        await self._publisher.publish(
            [
                Outgoing(
                    "command_response", ToPlayer(msg.player_id), response, answers=msg.delivery_id
                )
            ]
        )
