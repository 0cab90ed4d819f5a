"""A player's stream picked up where it stopped rather than started anew: resumed on a
new connection (what it missed is replayed), or continued from the stream the previous
game handed over (``stream_handoff``), so that a restart does not show; and what an
edge asks to be sent again (a replay request).
"""

from __future__ import annotations

import logging

from mythos_contracts.envelope import HeldConnection, ReplayRequest, ResumeFrom
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
from mythos_game.service_layer.stream_openings import StreamOpenings

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
        openings: StreamOpenings,
    ) -> None:
        self._world = world
        self._roster = roster
        self._links = links
        self._sequencer = sequencer
        self._publisher = publisher
        self._state = state
        self._openings = openings

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

    async def replay(self, player: Player, msg: ReplayRequest) -> None:
        """Send again what the player's connection missed (``msg.from_seq`` on); a fresh
        stream (resync) when the stream no longer holds all of it."""
        if self._links[player.id].connection_id != msg.connection_id:
            return
        stream = self._sequencer.get(player.id)
        if (
            stream is not None
            and stream.epoch != msg.epoch
            and stream.opened_for == msg.connection_id
        ):
            # This connection was already sent the new stream: a request about the old one
            # is stale (a lost game_state is caught by the epochs on heartbeats instead).
            log.info("ignoring a stale replay request for %s", player.id)
            return
        missed = self._sequencer.missed(player.id, msg.epoch, msg.from_seq - 1)
        if missed is None:
            log.info("cannot replay %s from %d: resync", player.id, msg.from_seq)
            await self._openings.start(player, resync=True)
        else:
            await self._publisher.replay(player.id, msg.connection_id, missed)
