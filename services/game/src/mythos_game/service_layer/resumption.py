"""A player's stream picked up where it stopped rather than started anew: resumed on a
new connection (what it missed is replayed), or continued from the stream the previous
game handed over (``stream_handoff``), so that a restart does not show.
"""

from __future__ import annotations

import logging

from mythos_contracts.envelope import HeldConnection, ResumeFrom
from mythos_contracts.events import RoomUpdateData
from mythos_contracts.persistence import StreamHandoff

from mythos_game.domain.game_state import GameState
from mythos_game.domain.outgoing import Outgoing, ToPlayer
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.views import room_view
from mythos_game.domain.world import World
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.links import Link, Links
from mythos_game.service_layer.sequencer import Sequencer
from mythos_game.service_layer.stream_handoff import (
    behind,
    continue_stream,
    edge_is_ahead,
    told_of_the_restart,
)

log = logging.getLogger(__name__)


class Resumption:
    def __init__(
        self,
        world: World,
        roster: Roster,
        links: Links,
        sequencer: Sequencer,
        publisher: EventPublisher,
        state: GameState,
    ) -> None:
        self._world = world
        self._roster = roster
        self._links = links
        self._sequencer = sequencer
        self._publisher = publisher
        self._state = state

    async def resume(self, player: Player, resume: ResumeFrom) -> bool:
        """Replay what ``resume`` missed on the player's (new) connection; False when the
        stream cannot give all of it."""
        missed = self._sequencer.missed(player.id, resume.epoch, resume.last_seq)
        if missed is None:
            return False
        log.info("resumed %s: replaying %d message(s)", player.id, len(missed))
        await self._publisher.replay(player.id, self._links[player.id].connection_id, missed)
        # The new edge learns the room (and binds it) from this, as after a move.
        view = room_view(self._world, self._roster, player.room_id, self._state)
        await self._publisher.publish(
            [
                Outgoing(
                    "room_update", ToPlayer(player.id), RoomUpdateData(room=view), player.room_id
                )
            ]
        )
        return True

    async def continue_handed_over(
        self,
        handoff: StreamHandoff,
        player: Player,
        held: HeldConnection,
        link: Link,
        resume: ResumeFrom | None,
    ) -> bool:
        """Continue the stream the previous game handed over for ``player``, just adopted
        on ``link``. True when nothing more is to be sent: the player is on the same
        connection, or resumes the stream; then nothing shows, not even to the room.
        False when a fresh stream must follow (the edge is ahead of the handed-over
        stream, or the player came back otherwise)."""
        if edge_is_ahead(handoff, held):
            return False
        continue_stream(handoff, link, self._sequencer)
        if held.connection_id == handoff.connection_id and not handoff.linkdead:
            link.room_bound = handoff.room_bound
            log.info("continued %s's stream after a game restart", player.id)
            delivered = behind(handoff, held)
            if delivered is not None:
                missed = self._sequencer.missed(player.id, handoff.epoch, delivered)
                await self._publisher.replay(player.id, held.connection_id, missed or [])
            view = room_view(self._world, self._roster, player.room_id, self._state)
            await self._publisher.publish(told_of_the_restart(player, view))
            return True
        if resume is not None and resume.session_id == handoff.session_id:
            if await self.resume(player, resume):
                await self._publisher.publish(told_of_the_restart(player, None))
                return True
        return False
