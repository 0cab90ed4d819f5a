"""The game's one entry point: every message from an edge goes through ``handle``,
and the clock through ``tick``; both run in units of work (``work_units``) that take
the same lock, so game state has one writer at a time. What reaches across shards is
``cross_shard_messages``'s, what the clock does ``game_clock``'s; players' commands
are run here.

Effects are published (and state changes durably queued) before ``handle``
returns, and the bus acks the message only then.

Every line logged while a message is handled carries its ``player_id`` and
``connection_id`` (and a command's ``command_id``), and each player command ends in
exactly one INFO line, ``command handled``, with its command, outcome and duration,
counted in the same terms in ``metrics``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from functools import partial

from mythos_contracts.accounts import AccountRevoked
from mythos_contracts.bus import Settlement
from mythos_contracts.directory import WhisperRelay
from mythos_contracts.envelope import EdgeMessage, PlayerCommand
from mythos_contracts.global_lines import GlobalLine, GlobalSaid
from mythos_contracts.heartbeat_wire import WireEdgeHeartbeat
from mythos_contracts.ops.log_lines import log_context
from mythos_contracts.player_command_wire import AnyPlayerCommand, WirePlayerCommand
from mythos_contracts.shard_calls import ShardCall, ShardCallResult
from mythos_contracts.transfer import PlayerTransfer
from mythos_contracts.zone_handover import ZoneAdopt, ZoneOwnerChanged

from mythos_game.domain.character import Characteristics
from mythos_game.domain.commands.base import Context
from mythos_game.domain.commands.registry import COMMANDS
from mythos_game.domain.game_state import GameState
from mythos_game.domain.outgoing import Outgoing, ToPlayer
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import ChatLimiter, Rules
from mythos_game.domain.status import StatusLedger
from mythos_game.domain.world import World, every_room
from mythos_game.domain.zone_owners import ZoneOwners
from mythos_game.service_layer.account_requests import AccountRequests
from mythos_game.service_layer.answer_json import command_response_json
from mythos_game.service_layer.arrivals import Arrivals
from mythos_game.service_layer.chat_history import ChatHistory
from mythos_game.service_layer.command_log import (
    Handling,
    audit,
    handled,
    run_command,
)
from mythos_game.service_layer.cross_shard_messages import CrossShardMessages
from mythos_game.service_layer.edge_messages import EdgeMessages
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.game_clock import GameClock
from mythos_game.service_layer.metrics import (
    PLAYERS_ONLINE,
)
from mythos_game.service_layer.outcome_saves import save_outcome
from mythos_game.service_layer.player_transfer import PlayerTransfers, pending_command
from mythos_game.service_layer.sessions import Sessions
from mythos_game.service_layer.stream_journal import StreamJournal
from mythos_game.service_layer.work_units import WorkUnits
from mythos_game.service_layer.world_directory import WorldSpan
from mythos_game.service_layer.zone_handover import ZoneHandover
from mythos_game.service_layer.zone_states import ZoneStates

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
        rules: Rules | None = None,
        history: ChatHistory | None = None,
        clock: Callable[[], float] = time.time,
        account_requests: AccountRequests | None = None,
        rng: random.Random | None = None,
        journal: StreamJournal | None = None,
        checkpoint_every: int = 30,
        transfers: PlayerTransfers | None = None,
        span: WorldSpan | None = None,
        owners: ZoneOwners | None = None,
        zone_moves: Callable[[ZoneStates], ZoneHandover] | None = None,
    ) -> None:
        """``clock`` is wall-clock time for the commands (mutes, chat rate limits);
        ``account_requests`` carries admins' bans to the auth service (without it, a ban
        is refused); ``rng`` is every chance in play (tests seed it); ``journal``
        records each unit of work before its messages go out (a tick every
        ``checkpoint_every`` records every stream's head); ``transfers``: how a player
        crosses to another shard, and ``span`` the directory and whispers across shards
        (None: a game holding the whole world); ``owners``: who owns each zone now (the
        clock runs the world only in this shard's zones; None: every zone is its own);
        ``zone_moves``: makes how a zone moves between shards, from the zone states."""
        self._world = world
        self._roster = roster
        self._publisher = publisher
        self._sessions = sessions
        self._edge_messages = EdgeMessages(roster, sessions, publisher)
        self._rules = rules or Rules()
        self._history = history
        self._clock = clock
        self._limiter = ChatLimiter()
        self._started_at = clock()
        self._account_requests = account_requests
        self.state: GameState = sessions.state
        self._arrivals = Arrivals(roster, self.state)
        self._rng = rng or random.Random()
        self._pending_rolls: dict[str, Characteristics] = {}
        self._journal = journal
        self._span = span
        self._units = WorkUnits(journal, span)
        self._zone_owners = owners
        self._crossing = CrossShardMessages(
            self._units,
            roster,
            sessions,
            publisher,
            clock=clock,
            journal=journal,
            transfers=transfers,
            span=span,
            context=self.context,
            room_entries=self._room_entries,
        )
        self._clock_ticks = GameClock(
            world,
            roster,
            publisher,
            sessions,
            units=self._units,
            crossing=self._crossing,
            arrivals=self._arrivals,
            rules=self._rules,
            rng=self._rng,
            clock=clock,
            limiter=self._limiter,
            journal=journal,
            span=span,
            broadcast_every=tick_broadcast_every,
            checkpoint_every=checkpoint_every,
            owns=every_room if owners is None else partial(owners.owns_room, world),
        )
        self.zones: ZoneStates | None = None
        """A zone's state out of this game and into it (a zone move); None without
        ``owners``."""
        if owners is not None:
            self.zones = ZoneStates(
                world, roster, sessions, publisher, owners, self._clock_ticks.tick_context
            )
            if zone_moves is not None:
                self._crossing.zones = zone_moves(self.zones)

    def take_settlement(self) -> Settlement | None:
        """The confirms the last ``handle`` left in flight: its delivery's settlement."""
        return self._units.take_settlement()

    async def handle(
        self,
        message: EdgeMessage
        | WirePlayerCommand
        | WireEdgeHeartbeat
        | AccountRevoked
        | PlayerTransfer
        | WhisperRelay
        | GlobalSaid
        | GlobalLine
        | ShardCall
        | ShardCallResult
        | ZoneAdopt
        | ZoneOwnerChanged,
    ) -> None:
        if isinstance(message, ZoneAdopt | ZoneOwnerChanged):
            await self._crossing.zone_message(message)
            return
        if isinstance(message, PlayerTransfer):
            await self._crossing.arrive(message)
            return
        if isinstance(message, GlobalSaid | GlobalLine):
            # Before forwarding: a line is for the lobby or every shard, not its speaker.
            await self._crossing.global_line(message)
            return
        # A heartbeat speaks for no one player: never forwarded.
        if not isinstance(message, WireEdgeHeartbeat) and await self._crossing.forwarded(message):
            return
        if isinstance(message, ShardCall):
            await self._crossing.shard_call(message)
            return
        if isinstance(message, ShardCallResult):
            await self._crossing.call_result(message)
            return
        if isinstance(message, WhisperRelay):
            await self._crossing.whisper(message)
            return
        if isinstance(message, AccountRevoked):
            with log_context(player_id=message.account_id):
                async with self._units.unit(player_id=message.account_id, defer=True):
                    await self._sessions.revoked(message)
                    PLAYERS_ONLINE.set(len(self._roster))
            return
        if isinstance(message, PlayerCommand | WirePlayerCommand):
            await self._handle_command(message)
            return
        with log_context(
            player_id=getattr(message, "player_id", None),
            connection_id=getattr(message, "connection_id", None),
        ):
            async with self._units.unit(
                getattr(message, "delivery_id", None),
                getattr(message, "player_id", None),
                defer=True,
            ):
                await self._edge_messages.handle(message)
                # A login into another shard's room crosses to it.
                await self._crossing.send_transfers(
                    self._crossing.depart(self._sessions.take_placed())
                )
                self._ward_arrivals()
                PLAYERS_ONLINE.set(len(self._roster))

    async def _handle_command(self, msg: AnyPlayerCommand) -> None:
        # From arrival, lock wait included: that is the latency a player sees.
        started = time.perf_counter()
        handling = Handling(None, typed=msg.command)
        with log_context(
            player_id=msg.player_id, command_id=msg.command_id, connection_id=msg.connection_id
        ):
            try:
                async with self._units.unit(msg.delivery_id, msg.player_id, defer=True):
                    self._ward_arrivals()  # one adopted by this very command is new
                    await self._command(msg, handling)
                    PLAYERS_ONLINE.set(len(self._roster))
            except asyncio.CancelledError:
                # Interrupted (a shutdown past its grace): not handled, and not acked
                # either, so the broker hands it over again; nothing to count.
                raise
            except Exception:
                handling.outcome = "error"
                handled(handling, started)
                raise
            handled(handling, started)

    async def start_spawns(self) -> None:
        """Fill every spawn rule to its ``max`` (``GameClock.start_spawns``)."""
        await self._clock_ticks.start_spawns()

    async def tick(self) -> None:
        await self._clock_ticks.tick()

    def _ward_arrivals(self) -> None:
        self._arrivals.ward_newcomers(self._clock(), self._rules.arrival_ward_seconds)

    def _room_entries(self) -> list[Outgoing]:
        """What the room entries of this command or tick may bring (an uneasy mind's
        visions); before the status_updates, which come last."""
        return self._arrivals.room_entries(self._rng, self._rules.lucidity_random_effects)

    async def _command(self, msg: AnyPlayerCommand, handling: Handling) -> None:
        known = self._roster.get(msg.player_id) is not None
        player = await self._edge_messages.speaker(msg)
        if player is None:
            # A stale connection is refused; a player who could not be loaded is a failure.
            handling.outcome = "rejected" if known else "error"
            return
        link = self._sessions.links[player.id]
        answers = msg.delivery_id  # the edge's route waits for this answer (``answers``)
        original = None if msg.command_id is None else link.answer(msg.command_id)
        if original is not None:
            # A re-send (after a reconnect): answer again, never execute twice.
            await self._publisher.publish(
                [Outgoing("command_response", ToPlayer(player.id), original, answers=answers)]
            )
            handling.outcome = "ok" if original.success else "rejected"
            return
        if self._span is not None and self._span.calls.waiting(msg):
            # A re-send while its call is pending: answered with the call, not run again.
            handling.outcome = "ok"
            return
        ledger = StatusLedger()
        outcome = run_command(
            player,
            msg,
            handling,
            lambda: self.context(player, msg.player_role, ledger),
            self._rules.max_alias_depth,
            None if self._span is None else self._span.replica,
        )
        if outcome.call is not None and self._span is not None:
            # Run by the target's shard: answered when its result comes back.
            await self._span.calls.send(player, msg, outcome.call, self._clock())
            return
        # Before any event goes out: a mover's room events go by their player key until
        # their edge confirms it bound the new room.
        moved = self._sessions.unbind_moved() | self._sessions.take_placed()
        await save_outcome(self._sessions, player, outcome, ledger)
        if self._history is not None:
            for line in outcome.history:
                await self._history.record(line)
        for entry in outcome.audit:
            audit(player, msg.player_role, entry)
        for request in outcome.bans:
            if self._account_requests is not None:
                await self._account_requests.ban(request)
        # Its JSON, once: remembered and published alike (no model: ``answer_json``).
        response = command_response_json(msg.command, msg.command_id, outcome.success, outcome.text)
        # Those moved into another shard's room leave before anything is numbered for
        # them here; the shard they cross to answers the command if it moved its sender.
        # (Built only when someone moved: most commands move nobody.)
        pending = pending_command(msg, outcome) if moved else None
        transfers = (
            [] if outcome.switch_to is not None else self._crossing.depart(moved, player, pending)
        )
        if msg.command_id is not None and self._roster.get(player.id) is not None:
            remembered = link.remember_json(msg.command_id, response)
            if self._journal is not None:
                self._journal.answered(player.id, msg.command_id, remembered)
        # A character's status_update comes after the command's other events.
        events = [*outcome.events, *self._room_entries(), *ledger.events()]
        after: list[Outgoing] = []
        if outcome.switch_to is not None:
            # ``play``: what the old character caused goes out in the old epoch; the
            # response opens the new one, after its game_state.
            await self._publisher.publish(events)
            events = []
            after = await self._sessions.switch_character(player, outcome.switch_to)
        await self._publisher.publish(
            [
                *events,
                Outgoing("command_response", ToPlayer(player.id), response, answers=answers),
                *after,
            ]
        )
        if outcome.relays and self._span is not None:
            await self._span.whispers.send(player, outcome.relays, msg.delivery_id)
        if outcome.world_lines and self._span is not None:
            await self._span.global_lines.send(player, outcome.world_lines, msg.delivery_id)
        for ending in outcome.disconnects:
            await self._sessions.disconnect(ending)
        if outcome.switch_to is not None:
            # ``play`` placed a character in another shard's room: it crosses, answered here.
            transfers = self._crossing.depart({player.id})
        await self._crossing.send_transfers(transfers)
        await self._crossing.move_zones(outcome.zone_moves)  # after the answer went out
        if handling.outcome != "error":
            handling.outcome = "ok" if outcome.success else "rejected"

    def context(self, player: Player, role: str, ledger: StatusLedger) -> Context:
        """What a command run for ``player`` sees (no directory: only this shard)."""
        return Context(
            self._world,
            self._roster,
            player,
            COMMANDS,
            now=self._clock(),
            rules=self._rules,
            limiter=self._limiter,
            started_at=self._started_at,
            can_ban=self._account_requests is not None,
            role=role,
            links=self._sessions.links,
            state=self.state,
            tick=self._clock_ticks.tick_number,
            rng=self._rng,
            status=ledger,
            names=self._sessions.names,
            pending_rolls=self._pending_rolls,
            zones=self._zone_owners,
        )
