"""The game's one entry point: every message from an edge goes through ``handle``,
and the clock through ``tick``; both take the same lock, so game state has one
writer at a time.

Effects are published (and state changes durably queued) before ``handle``
returns, and the bus acks the message only then.
"""

from __future__ import annotations

import asyncio
import logging

from mythos_contracts.envelope import (
    EdgeHeartbeat,
    EdgeMessage,
    InvalidInput,
    PlayerCommand,
    ReplayRequest,
    RoomBound,
    SessionClosed,
    SessionOpened,
    utc_now,
)
from mythos_contracts.events import CommandResponseData, ErrorData, GameTickData

from mythos_game.domain.commands.base import Context, Outcome
from mythos_game.domain.commands.registry import COMMANDS, parse
from mythos_game.domain.outgoing import Outgoing, ToEveryone, ToPlayer
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.world import World
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.sessions import Sessions

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(
        self,
        world: World,
        roster: Roster,
        publisher: EventPublisher,
        sessions: Sessions,
        *,
        tick_broadcast_every: int = 60,
    ) -> None:
        self._world = world
        self._roster = roster
        self._publisher = publisher
        self._sessions = sessions
        self._lock = asyncio.Lock()
        self._tick_number = 0
        self._tick_broadcast_every = tick_broadcast_every

    async def handle(self, message: EdgeMessage) -> None:
        async with self._lock:
            await self._handle(message)

    async def tick(self) -> None:
        async with self._lock:
            self._tick_number += 1
            await self._sessions.tick()
            if self._tick_number % self._tick_broadcast_every == 0:
                tick = GameTickData(tick_number=self._tick_number, timestamp=utc_now().isoformat())
                await self._publisher.publish([Outgoing("game_tick", ToEveryone(), tick)])

    async def _handle(self, message: EdgeMessage) -> None:
        sessions = self._sessions
        if isinstance(message, SessionOpened):
            await sessions.open(message)
        elif isinstance(message, SessionClosed):
            await sessions.closed(message)
        elif isinstance(message, PlayerCommand):
            await self._command(message)
        elif isinstance(message, InvalidInput):
            await self._invalid(message)
        elif isinstance(message, RoomBound):
            player = sessions.current(message.player_id, message.connection_id)
            if player is not None and player.room_id == message.room_id:
                player.room_bound = True
        elif isinstance(message, ReplayRequest):
            await sessions.replay(message)
        elif isinstance(message, EdgeHeartbeat):
            await sessions.edge_heartbeat(message)

    async def _speaker(self, msg: PlayerCommand | InvalidInput) -> Player | None:
        """The player a message speaks for, adopting them if the game does not know them
        (it restarted while they stayed connected); None for a stale connection."""
        player = self._roster.get(msg.player_id)
        if player is None:
            return await self._sessions.adopt(
                msg.player_id,
                msg.player_name,
                msg.connection_id,
                msg.edge_id,
                resync=True,
                role=msg.player_role,
            )
        if player.connection_id != msg.connection_id:
            log.info("dropping a message from stale connection %s", msg.connection_id)
            return None
        return player

    async def _command(self, msg: PlayerCommand) -> None:
        player = await self._speaker(msg)
        if player is None:
            return
        if msg.command_id is not None and msg.command_id in player.recent_commands:
            # A re-send (after a reconnect): answer again, never execute twice.
            original = player.recent_commands[msg.command_id]
            await self._publisher.publish(
                [Outgoing("command_response", ToPlayer(player.id), original)]
            )
            return
        outcome = self._run(player, msg)
        if outcome.state_changed:
            await self._sessions.save(player)
        for other in outcome.changed_players:
            await self._sessions.save(other)
        response = CommandResponseData(
            command=msg.command,
            command_id=msg.command_id,
            success=outcome.success,
            result=outcome.text,
        )
        if msg.command_id is not None:
            player.remember(msg.command_id, response)
        await self._publisher.publish(
            [*outcome.events, Outgoing("command_response", ToPlayer(player.id), response)]
        )
        for ending in outcome.disconnects:
            await self._sessions.disconnect(ending)

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
        if await self._speaker(msg) is None:
            return
        error = ErrorData(message=msg.reason, command_id=msg.command_id)
        await self._publisher.publish([Outgoing("error", ToPlayer(msg.player_id), error)])
