"""The game's one entry point: every message from an edge goes through ``handle``,
and the clock through ``tick``; both take the same lock, so game state has one
writer at a time.

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
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace

from mythos_contracts.accounts import AccountRevoked
from mythos_contracts.bus import Settlement
from mythos_contracts.directory import WhisperRelay
from mythos_contracts.envelope import EdgeMessage, PlayerCommand, utc_now
from mythos_contracts.events import CommandResponseData, GameTickData
from mythos_contracts.global_lines import GlobalLine, GlobalSaid
from mythos_contracts.ops.log_lines import log_context
from mythos_contracts.player_command_wire import AnyPlayerCommand, WirePlayerCommand, wire_json
from mythos_contracts.shard_calls import ShardCall, ShardCallResult
from mythos_contracts.transfer import PendingCommand, PlayerTransfer

from mythos_game.domain.character import Characteristics
from mythos_game.domain.characters import Character
from mythos_game.domain.commands.base import Context, Outcome
from mythos_game.domain.commands.registry import COMMANDS, resolve
from mythos_game.domain.conditions import refusal
from mythos_game.domain.game_state import GameState
from mythos_game.domain.outgoing import Outgoing, ToEveryone, ToPlayer
from mythos_game.domain.roster import Player, Roster
from mythos_game.domain.rules import ChatLimiter, Rules
from mythos_game.domain.spawning import fill_spawns
from mythos_game.domain.status import StatusLedger
from mythos_game.domain.ticks import TickContext, TickOutcome, run_tick
from mythos_game.domain.world import World
from mythos_game.service_layer.account_requests import AccountRequests
from mythos_game.service_layer.arrivals import Arrivals
from mythos_game.service_layer.chat_history import ChatHistory
from mythos_game.service_layer.command_log import Handling, audit, registered_name
from mythos_game.service_layer.edge_messages import EdgeMessages
from mythos_game.service_layer.event_publisher import EventPublisher
from mythos_game.service_layer.metrics import (
    PLAYERS_ONLINE,
    command_seconds,
    commands_handled,
)
from mythos_game.service_layer.player_transfer import PlayerTransfers, pending_command
from mythos_game.service_layer.sessions import Sessions
from mythos_game.service_layer.shard_calls import PendingCall, run_called, stand_in
from mythos_game.service_layer.stream_journal import StreamJournal
from mythos_game.service_layer.world_directory import WorldSpan

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
    ) -> None:
        """``clock`` is wall-clock time for the commands (mutes, chat rate limits);
        ``account_requests`` carries admins' bans to the auth service (without it, a ban
        is refused); ``rng`` is every chance in play (tests seed it); ``journal``
        records each unit of work before its messages go out (a tick every
        ``checkpoint_every`` records every stream's head); ``transfers``: how a player
        crosses to another shard, and ``span`` the directory and whispers across shards
        (None: a game holding the whole world)."""
        self._world = world
        self._roster = roster
        self._publisher = publisher
        self._sessions = sessions
        self._edge_messages = EdgeMessages(roster, sessions, publisher)
        self._lock = asyncio.Lock()
        self._tick_number = 0
        self._tick_broadcast_every = tick_broadcast_every
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
        self._checkpoint_every = checkpoint_every
        self._transfers = transfers
        self._span = span

    @asynccontextmanager
    async def _unit(
        self, delivery_id: str | None = None, player_id: str | None = None, *, defer: bool = False
    ) -> AsyncIterator[None]:
        """One writer at a time; with a journal, the unit's record goes in before its
        messages go out. ``defer``: a delivery's unit leaves the wait for their confirms
        to the bus (``take_settlement``), so the next unit need not wait for them."""
        async with self._lock:
            if self._journal is None:
                yield
                await self._presence_changed(player_id)
                return
            async with self._journal.unit(delivery_id, player_id, defer=defer):
                yield
                await self._presence_changed(player_id)

    async def _presence_changed(self, player_id: str | None) -> None:
        """The directory's deltas of what the unit changed, in its own outbox."""
        if self._span is not None:
            await self._span.presence.changed(player_id)

    def take_settlement(self) -> Settlement | None:
        """The confirms the last ``handle`` left in flight: its delivery's settlement."""
        return None if self._journal is None else self._journal.take_settlement()

    async def handle(
        self,
        message: EdgeMessage
        | WirePlayerCommand
        | AccountRevoked
        | PlayerTransfer
        | WhisperRelay
        | GlobalSaid
        | GlobalLine
        | ShardCall
        | ShardCallResult,
    ) -> None:
        if isinstance(message, PlayerTransfer):
            await self._arrive(message)
            return
        if isinstance(message, GlobalSaid | GlobalLine):
            # Before forwarding: a line is for the lobby or every shard, not its speaker.
            await self._global_line(message)
            return
        if await self._forwarded(message):
            return
        if isinstance(message, ShardCall):
            await self._shard_call(message)
            return
        if isinstance(message, ShardCallResult):
            await self._call_result(message)
            return
        if isinstance(message, WhisperRelay):
            if self._span is None:
                raise ValueError("a whisper relay reached a game that holds the whole world")
            with log_context(player_id=message.player_id):
                async with self._unit(message.delivery_id, message.player_id, defer=True):
                    await self._span.whispers.deliver(message)
            return
        if isinstance(message, AccountRevoked):
            with log_context(player_id=message.account_id):
                async with self._unit(player_id=message.account_id, defer=True):
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
            async with self._unit(
                getattr(message, "delivery_id", None),
                getattr(message, "player_id", None),
                defer=True,
            ):
                await self._edge_messages.handle(message)
                # A login into another shard's room crosses to it.
                await self._send_transfers(self._depart(self._sessions.take_placed()))
                self._ward_arrivals()
                PLAYERS_ONLINE.set(len(self._roster))

    async def _handle_command(self, msg: AnyPlayerCommand) -> None:
        # From arrival, lock wait included: that is the latency a player sees.
        started = time.perf_counter()
        handling = Handling(command=registered_name(msg.command, msg.args))
        with log_context(
            player_id=msg.player_id, command_id=msg.command_id, connection_id=msg.connection_id
        ):
            try:
                async with self._unit(msg.delivery_id, msg.player_id, defer=True):
                    self._ward_arrivals()  # one adopted by this very command is new
                    await self._command(msg, handling)
                    PLAYERS_ONLINE.set(len(self._roster))
            except asyncio.CancelledError:
                # Interrupted (a shutdown past its grace): not handled, and not acked
                # either, so the broker hands it over again; nothing to count.
                raise
            except Exception:
                handling.outcome = "error"
                _handled(handling, started)
                raise
            _handled(handling, started)

    async def start_spawns(self) -> None:
        """Fill every spawn rule to its ``max``; only once the stored floor items are in
        ``state`` (counting fewer would duplicate them)."""
        async with self._unit():
            outcome = TickOutcome()
            fill_spawns(self._tick_context(), outcome)
            await self._apply_tick(outcome)

    async def tick(self) -> None:
        async with self._unit():
            self._tick_number += 1
            if self._journal is not None and self._tick_number % self._checkpoint_every == 0:
                self._journal.touch_everyone()
            await self._sessions.tick()
            PLAYERS_ONLINE.set(len(self._roster))  # link-dead players time out here
            await self._answer_late_calls()
            self._ward_arrivals()
            ctx = self._tick_context()
            await self._apply_tick(run_tick(ctx), ctx.status)
            if self._span is not None:
                await self._span.presence.tick()  # after the clock moved anyone
            if self._tick_number % self._tick_broadcast_every == 0:
                tick = GameTickData(tick_number=self._tick_number, timestamp=utc_now().isoformat())
                await self._publisher.publish([Outgoing("game_tick", ToEveryone(), tick)])
                self._limiter.forget_older_than(self._clock())

    def _tick_context(self) -> TickContext:
        return TickContext(
            self._world,
            self._roster,
            self.state,
            self._tick_number,
            self._clock(),
            self._rng,
            self._rules,
            self._sessions.links,
        )

    async def _apply_tick(self, outcome: TickOutcome, ledger: StatusLedger | None = None) -> None:
        moved = self._sessions.unbind_moved()
        saved: set[str] = set()
        for player in outcome.changed_players:
            await self._sessions.save(player)
            saved.add(player.character.id)
        events = [*outcome.events, *self._room_entries()]
        if ledger is not None:
            for character in ledger.changed():
                if character.id not in saved:
                    await self._sessions.save_character(character)
            # At most one status_update per character per tick, after the tick's events.
            events += ledger.events()
        await self._save_items()
        # Moved by the clock (a breakdown, a fall, a fight's end) into another shard's
        # room: they leave once saved, before anything is numbered for them here.
        transfers = self._depart(moved)
        await self._publisher.publish(events)
        await self._send_transfers(transfers)

    def _depart(
        self, moved: set[str], actor: Player | None = None, pending: PendingCommand | None = None
    ) -> list[PlayerTransfer]:
        """Players who leave for another shard (``PlayerTransfers.departures``)."""
        return [] if self._transfers is None else self._transfers.departures(moved, actor, pending)

    async def _send_transfers(self, transfers: list[PlayerTransfer]) -> None:
        if self._transfers is not None:
            await self._transfers.send(transfers)

    async def _arrive(self, transfer: PlayerTransfer) -> None:
        """A player another shard sent here (``player_transfer.py``)."""
        if self._transfers is None:
            raise ValueError("a player transfer reached a game that holds the whole world")
        with log_context(player_id=transfer.player_id):
            async with self._unit(transfer.delivery_id, transfer.player_id, defer=True):
                await self._transfers.arrive(transfer)
                if self._span is not None and self._transfers.arrived_by(transfer):
                    self._span.presence.arrived(transfer.player_id, transfer.hop)
                PLAYERS_ONLINE.set(len(self._roster))

    async def _global_line(self, message: GlobalSaid | GlobalLine) -> None:
        """Order a said line (the lobby's part) or stamp an ordered one for our players."""
        if self._span is None:
            raise ValueError("a global line reached a game that holds the whole world")
        lines = self._span.global_lines
        with log_context(player_id=message.player_id):
            async with self._unit(message.delivery_id, defer=True):
                if isinstance(message, GlobalSaid):
                    await lines.order(message)
                else:
                    await lines.deliver(message)

    async def _shard_call(self, call: ShardCall) -> None:
        """Run an admin's command from another shard on a player here; answer it."""
        if self._span is None:
            raise ValueError("a shard call reached a game that holds the whole world")
        with log_context(player_id=call.player_id):
            async with self._unit(call.delivery_id, call.player_id, defer=True):
                admin = stand_in(call.admin)
                ledger = StatusLedger()
                outcome = run_called(call, self.context(admin, call.admin.role, ledger))
                moved = self._sessions.unbind_moved() | self._sessions.take_placed()
                await self._save(None, outcome, ledger)
                await self._save_items()
                for entry in outcome.audit:
                    audit(admin, call.admin.role, entry)
                events = [*outcome.events, *self._room_entries(), *ledger.events()]
                await self._publisher.publish(events)
                for ending in outcome.disconnects:
                    await self._sessions.disconnect(ending)
                # Teleported or summoned into another shard's room: they cross.
                await self._send_transfers(self._depart(moved))
                await self._span.calls.answer(call, outcome.success, outcome.text)
                PLAYERS_ONLINE.set(len(self._roster))

    async def _call_result(self, result: ShardCallResult) -> None:
        """Another shard ran an admin's command: answer the admin."""
        if self._span is None:
            raise ValueError("a shard call result reached a game that holds the whole world")
        with log_context(player_id=result.player_id):
            async with self._unit(result.delivery_id, result.player_id, defer=True):
                pending = self._span.calls.settle(result)
                if pending is not None:
                    await self._answer_call(pending, result.success, result.text)

    async def _answer_late_calls(self) -> None:
        """Answer the admins' commands whose shard calls got no result in time."""
        if self._span is not None:
            for pending in self._span.calls.expired(self._clock()):
                text = f"Could not reach {pending.target_name}; try again."
                await self._answer_call(pending, False, text)

    async def _answer_call(self, pending: PendingCall, success: bool, text: str) -> None:
        player = self._roster.get(pending.player_id)
        if player is None:
            return  # the admin left meanwhile
        response = CommandResponseData(
            command=pending.command, command_id=pending.command_id, success=success, result=text
        )
        if pending.command_id is not None:
            self._sessions.links[player.id].remember(pending.command_id, response)
            if self._journal is not None:
                self._journal.answered(player.id, pending.command_id, response)
        answer = Outgoing("command_response", ToPlayer(player.id), response)
        await self._publisher.publish([replace(answer, answers=pending.delivery_id)])

    async def _forwarded(
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
            async with self._unit(delivery_id, player_id, defer=True):
                body = (
                    wire_json(message)
                    if isinstance(message, WirePlayerCommand)
                    else message.model_dump_json().encode()
                )
                await transfers.forward(player_id, body)
        return True

    def _ward_arrivals(self) -> None:
        self._arrivals.ward_newcomers(self._clock(), self._rules.arrival_ward_seconds)

    def _room_entries(self) -> list[Outgoing]:
        """What the room entries of this command or tick may bring (an uneasy mind's
        visions); before the status_updates, which come last."""
        return self._arrivals.room_entries(self._rng, self._rules.lucidity_random_effects)

    async def _save_items(self) -> None:
        await self._sessions.items.save_changed(self.state)

    async def _command(self, msg: AnyPlayerCommand, handling: Handling) -> None:
        known = self._roster.get(msg.player_id) is not None
        player = await self._edge_messages.speaker(msg)
        if player is None:
            # A stale connection is refused; a player who could not be loaded is a failure.
            handling.outcome = "rejected" if known else "error"
            return
        link = self._sessions.links[player.id]
        answers = msg.delivery_id  # the edge's route waits for this answer (``answers``)
        if msg.command_id is not None and msg.command_id in link.recent_commands:
            # A re-send (after a reconnect): answer again, never execute twice.
            original = link.recent_commands[msg.command_id]
            await self._publisher.publish(
                [Outgoing("command_response", ToPlayer(player.id), original, answers=answers)]
            )
            handling.outcome = "ok" if original.success else "rejected"
            return
        ledger = StatusLedger()
        outcome = self._run(player, msg, handling, ledger)
        if outcome.call is not None and self._span is not None:
            # Run by the target's shard: answered when its result comes back.
            await self._span.calls.send(player, msg, outcome.call, self._clock())
            return
        # Before any event goes out: a mover's room events go by their player key until
        # their edge confirms it bound the new room.
        moved = self._sessions.unbind_moved() | self._sessions.take_placed()
        await self._save(player, outcome, ledger)
        await self._save_items()
        if self._history is not None:
            for line in outcome.history:
                await self._history.record(line)
        for entry in outcome.audit:
            audit(player, msg.player_role, entry)
        for request in outcome.bans:
            if self._account_requests is not None:
                await self._account_requests.ban(request)
        response = CommandResponseData(
            command=msg.command,
            command_id=msg.command_id,
            success=outcome.success,
            result=outcome.text,
        )
        # Those moved into another shard's room leave before anything is numbered for
        # them here; the shard they cross to answers the command if it moved its sender.
        # (Built only when someone moved: most commands move nobody.)
        pending = pending_command(msg, outcome) if moved else None
        transfers = [] if outcome.switch_to is not None else self._depart(moved, player, pending)
        if msg.command_id is not None and self._roster.get(player.id) is not None:
            link.remember(msg.command_id, response)
            if self._journal is not None:
                self._journal.answered(player.id, msg.command_id, response)
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
            transfers = self._depart({player.id})
        await self._send_transfers(transfers)
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
            tick=self._tick_number,
            rng=self._rng,
            status=ledger,
            names=self._sessions.names,
            pending_rolls=self._pending_rolls,
        )

    async def _save(self, player: Player | None, outcome: Outcome, ledger: StatusLedger) -> None:
        """Queue the saves of what a command changed: players' rows, then characters
        (each once). ``player``: the actor, None when not in the world here."""
        characters: dict[str, Character] = {}
        if outcome.state_changed and player is not None:
            await self._sessions.save_player_row(player)
            characters[player.character.id] = player.character
        for other in outcome.changed_players:
            await self._sessions.save_player_row(other)
            characters[other.character.id] = other.character
        for character in [*outcome.changed_characters, *ledger.changed()]:
            characters[character.id] = character
        for character in characters.values():
            await self._sessions.save_character(character)

    def _run(
        self, player: Player, msg: AnyPlayerCommand, handling: Handling, ledger: StatusLedger
    ) -> Outcome:
        parsed = resolve(msg.command, msg.args, player.aliases, self._rules.max_alias_depth)
        if isinstance(parsed, str):
            handling.outcome = "rejected"
            return Outcome(False, parsed)
        # A player's own alias is labelled with the command it stands for.
        handling.command = parsed.spec.name
        handling.outcome = "ok"  # provisional: ok or rejected once answered, unless it fails
        spec = parsed.spec
        if not spec.admin:
            # What the character's state allows (admins' commands may always run).
            why_not = refusal(player.character, spec.allowed_when, spec.fighting_refusal)
            if why_not is not None:
                handling.outcome = "rejected"
                return Outcome(False, why_not)
        ctx = self.context(player, msg.player_role, ledger)
        ctx.invocation = (spec.name, tuple(parsed.args))
        if self._span is not None:
            ctx.directory = self._span.replica
            ctx.spans_shards = True
        try:
            return parsed.spec.run(ctx, parsed.args)
        except Exception:
            # A bug in one command must not take the player's connection or the queue with it.
            log.exception("command %r failed for %s", parsed.spec.name, player.id)
            handling.outcome = "error"
            return Outcome(False, "Something went wrong with that command; it has been logged.")


def _handled(handling: Handling, started: float) -> None:
    seconds = time.perf_counter() - started
    commands_handled(handling.command, handling.outcome).inc()
    command_seconds(handling.command).observe(seconds)
    # The one INFO line per command; its ids come from the log context.
    log.info(
        "command handled",
        extra={
            "command": handling.command,
            "outcome": handling.outcome,
            "duration_ms": round(seconds * 1000, 3),
        },
    )
