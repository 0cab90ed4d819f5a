"""The dispatcher's part that reaches across shards: players crossing (sent on, taken
in: ``player_transfer``), inputs forwarded to the shard a player crossed to, whispers
and global lines from other shards, and the answers to admins' commands another shard
ran (``shard_calls``). Each runs in a unit of work of its own (``work_units``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from mythos_contracts.accounts import AccountRevoked
from mythos_contracts.directory import WhisperRelay
from mythos_contracts.envelope import EdgeMessage
from mythos_contracts.events import CommandResponseData
from mythos_contracts.global_lines import GlobalLine, GlobalSaid
from mythos_contracts.ops.log_lines import log_context
from mythos_contracts.player_command_wire import WirePlayerCommand, wire_json
from mythos_contracts.shard_calls import ShardCall, ShardCallResult
from mythos_contracts.transfer import PendingCommand, PlayerTransfer
from mythos_contracts.zone_handover import ZONE_MOVE_TARGET, ZoneAdopt, ZoneOwnerChanged

from mythos_game.domain.commands.base import Context
from mythos_game.domain.outgoing import Outgoing, ToPlayer, ZoneMove
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.status import StatusLedger
from mythos_game.service_layer.command_log import audit
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.metrics import PLAYERS_ONLINE
from mythos_game.service_layer.outcome_saves import save_outcome
from mythos_game.service_layer.player_transfer import PlayerTransfers
from mythos_game.service_layer.sessions import Sessions
from mythos_game.service_layer.shard_calls import PendingCall, run_called, stand_in
from mythos_game.service_layer.stream_journal import StreamJournal
from mythos_game.service_layer.work_units import WorkUnits
from mythos_game.service_layer.world_directory import WorldSpan
from mythos_game.service_layer.zone_handover import ZoneHandover


class CrossShardMessages:
    def __init__(
        self,
        units: WorkUnits,
        roster: Roster,
        sessions: Sessions,
        publisher: EventPublisher,
        *,
        clock: Callable[[], float],
        journal: StreamJournal | None,
        transfers: PlayerTransfers | None,
        span: WorldSpan | None,
        context: Callable[[Player, str, StatusLedger], Context],
        room_entries: Callable[[], list[Outgoing]],
    ) -> None:
        """``transfers`` and ``span``: None for a game holding the whole world (then any
        message from another shard is refused). ``context``: what a command run here
        sees (``Dispatcher.context``); ``room_entries``: what a unit's room entries bring."""
        self._units = units
        self._roster = roster
        self._sessions = sessions
        self._publisher = publisher
        self._clock = clock
        self._journal = journal
        self._transfers = transfers
        self._span = span
        self._context = context
        self._room_entries = room_entries
        self.zones: ZoneHandover | None = None
        """How a zone moves between shards (set once the zone states exist)."""

    def depart(
        self, moved: set[str], actor: Player | None = None, pending: PendingCommand | None = None
    ) -> list[PlayerTransfer]:
        """Players who leave for another shard (``PlayerTransfers.departures``)."""
        return [] if self._transfers is None else self._transfers.departures(moved, actor, pending)

    async def send_transfers(self, transfers: list[PlayerTransfer]) -> None:
        if self._transfers is not None:
            await self._transfers.send(transfers)

    async def arrive(self, transfer: PlayerTransfer) -> None:
        """A player another shard sent here (``player_transfer.py``)."""
        if self._transfers is None:
            raise ValueError("a player transfer reached a game that holds the whole world")
        with log_context(player_id=transfer.player_id):
            async with self._units.unit(transfer.delivery_id, transfer.player_id, defer=True):
                await self._transfers.arrive(transfer)
                if self._span is not None and self._transfers.arrived_by(transfer):
                    self._span.presence.arrived(transfer.player_id, transfer.hop)
                PLAYERS_ONLINE.set(len(self._roster))

    async def zone_message(self, message: ZoneAdopt | ZoneOwnerChanged) -> None:
        """A zone moved between shards: to this one (its state), or elsewhere."""
        if self.zones is None:
            raise ValueError("a zone message reached a game that holds the whole world")
        with log_context(zone=message.zone):
            async with self._units.unit(message.delivery_id, defer=True):
                if isinstance(message, ZoneAdopt):
                    await self.zones.adopt(message)
                else:
                    self.zones.owner_changed(message)

    async def move_zones(self, moves: list[ZoneMove]) -> None:
        """Hand zones this shard owns to others (``admin move``), inside the unit."""
        if moves and self.zones is None:
            raise ValueError("a zone move in a game that holds the whole world")
        for move in moves:
            assert self.zones is not None
            await self.zones.release(move)

    async def global_line(self, message: GlobalSaid | GlobalLine) -> None:
        """Order a said line (the lobby's part) or stamp an ordered one for our players."""
        if self._span is None:
            raise ValueError("a global line reached a game that holds the whole world")
        lines = self._span.global_lines
        with log_context(player_id=message.player_id):
            async with self._units.unit(message.delivery_id, defer=True):
                if isinstance(message, GlobalSaid):
                    await lines.order(message)
                else:
                    await lines.deliver(message)

    async def whisper(self, message: WhisperRelay) -> None:
        """A whisper from another shard to a player here."""
        if self._span is None:
            raise ValueError("a whisper relay reached a game that holds the whole world")
        with log_context(player_id=message.player_id):
            async with self._units.unit(message.delivery_id, message.player_id, defer=True):
                await self._span.whispers.deliver(message)

    async def call_result(self, result: ShardCallResult) -> None:
        """Another shard ran an admin's command: answer the admin."""
        if self._span is None:
            raise ValueError("a shard call result reached a game that holds the whole world")
        with log_context(player_id=result.player_id):
            async with self._units.unit(result.delivery_id, result.player_id, defer=True):
                pending = self._span.calls.settle(result)
                if pending is not None:
                    await self._answer_call(pending, result.success, result.text)

    async def answer_late_calls(self) -> None:
        """Answer the admins' commands whose shard calls got no result in time."""
        if self._span is not None:
            for pending in self._span.calls.expired(self._clock()):
                text = f"Could not reach {pending.target_name}; try again."
                await self._answer_call(pending, False, text)

    async def shard_call(self, call: ShardCall) -> None:
        """Run an admin's command from another shard on a player here; answer it."""
        if self._span is None:
            raise ValueError("a shard call reached a game that holds the whole world")
        target = None if call.player_id == ZONE_MOVE_TARGET else call.player_id
        with log_context(player_id=target):
            async with self._units.unit(call.delivery_id, target, defer=True):
                admin = stand_in(call.admin)
                ledger = StatusLedger()
                outcome = run_called(call, self._context(admin, call.admin.role, ledger))
                moved = self._sessions.unbind_moved() | self._sessions.take_placed()
                await save_outcome(self._sessions, None, outcome, ledger)
                for entry in outcome.audit:
                    audit(admin, call.admin.role, entry)
                events = [*outcome.events, *self._room_entries(), *ledger.events()]
                await self._publisher.publish(events)
                for ending in outcome.disconnects:
                    await self._sessions.disconnect(ending)
                # Teleported or summoned into another shard's room: they cross.
                await self.send_transfers(self.depart(moved))
                await self.move_zones(outcome.zone_moves)  # ``admin move`` of a zone here
                await self._span.calls.answer(call, outcome.success, outcome.text)
                PLAYERS_ONLINE.set(len(self._roster))

    async def _answer_call(self, pending: PendingCall, success: bool, text: str) -> None:
        player = self._roster.get(pending.player_id)
        if player is None:
            return  # the admin left meanwhile
        response = CommandResponseData(
            command=pending.command, command_id=pending.command_id, success=success, result=text
        )
        if pending.command_id is not None:
            remembered = self._sessions.links[player.id].remember(pending.command_id, response)
            if self._journal is not None:
                self._journal.answered(player.id, pending.command_id, remembered)
        answer = Outgoing("command_response", ToPlayer(player.id), response)
        # One for each delivery id that asked (re-sends too): the edge waits for each.
        await self._publisher.publish([replace(answer, answers=asked) for asked in pending.asked])

    async def forwarded(
        self,
        message: EdgeMessage
        | WirePlayerCommand
        | AccountRevoked
        | WhisperRelay
        | ShardCall
        | ShardCallResult,
    ) -> bool:
        """Send on an input for a player who crossed to another shard (in order: on the
        one channel, as it comes); True when it was."""
        player_id = getattr(message, "player_id", None)
        delivery_id = getattr(message, "delivery_id", None)
        transfers = self._transfers
        if transfers is None or player_id is None or delivery_id is None:
            return False
        if transfers.forwarding(player_id) is None:  # also None while the player is here
            return False
        with log_context(player_id=player_id):
            async with self._units.unit(delivery_id, player_id, defer=True):
                body = (
                    wire_json(message)
                    if isinstance(message, WirePlayerCommand)
                    else message.model_dump_json().encode()
                )
                await transfers.forward(player_id, body)
        return True
