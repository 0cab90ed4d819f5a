"""Admin commands on a player of another shard (docs/design/shards.md §9): the admin's
shard sends the command to the target's shard (``ShardCall``) and keeps the admin's
command pending; the target's shard runs it and answers (``ShardCallResult``); the
admin's shard answers the command then, or with a refusal after ``CALL_TIMEOUT_SECONDS``.
Calls and results go out in their units' journaled outboxes, with ids derived from the
admin's delivery id, so a shard handles each once.

The pending calls are journaled too: each unit's record holds the calls it opened and
settled, and every checkpoint all those pending (``StreamJournal.call_pending``,
``call_settled``), so an admin's shard that restarts (kill -9, its standby taking over)
continues them from the journal: a result that comes later answers the admin, and one
that never comes is answered with the refusal at the first tick past the deadline,
which is on the wall clock. A client re-sending a command (the same ``command_id``,
after a reconnect) while its call is pending does not run it again: each delivery id
that asked is answered when the call is (``waiting``). An admin crossing to another
shard while a call is pending takes it along (``take``, ``carried``): the result, which
the shard they left forwards, answers it there.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace

from mythos_contracts.bus import Bus
from mythos_contracts.player_command_wire import AnyPlayerCommand
from mythos_contracts.routing import COMMANDS_EXCHANGE, command_key
from mythos_contracts.shard_calls import CallingAdmin, CarriedCall, ShardCall, ShardCallResult

from mythos_game.domain.characters import standard_investigator
from mythos_game.domain.commands.base import Context, Outcome
from mythos_game.domain.commands.registry import resolve
from mythos_game.domain.outgoing import RemoteCall
from mythos_game.domain.roster import Player
from mythos_game.service_layer.journal_records import PendingCallEntry
from mythos_game.service_layer.stream_journal import StreamJournal

log = logging.getLogger(__name__)

CALL_TIMEOUT_SECONDS = 5.0
"""How long an admin's command waits for another shard's result before giving up."""

CALLABLE = frozenset({"teleport", "summon", "kick", "mute", "unmute", "admin"})
"""The commands another shard may ask this one to run for an admin (``admin move``: the
zone's owner runs it)."""

_CALL_IDS = uuid.UUID("9e6b2a41-0c7d-4f38-a5e2-71d0b84c3f96")


@dataclass(frozen=True)
class PendingCall:
    """An admin's command waiting for another shard's result."""

    player_id: str
    command: str
    command_id: str | None
    delivery_id: str
    """The admin's command's: the call's id."""
    target_name: str
    deadline: float
    """On the wall clock (the game's clock), so it holds across a restart."""
    also: tuple[str, ...] = ()
    """The delivery ids of the command's re-sends (same ``command_id``) meanwhile."""

    @property
    def asked(self) -> tuple[str, ...]:
        """Every delivery id the answer is for (the edge waits for each)."""
        return (self.delivery_id, *self.also)

    def entry(self) -> PendingCallEntry:
        """As a journal record holds it."""
        return (
            self.player_id,
            self.command,
            self.command_id,
            self.target_name,
            self.deadline,
            self.also,
        )


class ShardCalls:
    def __init__(self, bus: Bus, *, shard: str, timeout: float = CALL_TIMEOUT_SECONDS) -> None:
        """``bus``: the one the game publishes through (inside a unit, the journal's)."""
        self._bus = bus
        self._shard = shard
        self._timeout = timeout
        self._pending: dict[str, PendingCall] = {}
        self.journal: StreamJournal | None = None
        """Records the calls opened and settled in each unit's record (None: none)."""

    async def send(
        self, admin: Player, msg: AnyPlayerCommand, call: RemoteCall, now: float
    ) -> None:
        """Send ``admin``'s command to the target's shard; it stays pending until the
        result comes back or ``now`` + the timeout passes."""
        self._keep(
            PendingCall(
                admin.id,
                msg.command,
                msg.command_id,
                msg.delivery_id,
                call.name,
                now + self._timeout,
            )
        )
        message = ShardCall(
            delivery_id=uuid.uuid5(_CALL_IDS, f"call:{msg.delivery_id}").hex,
            call_id=msg.delivery_id,
            player_id=call.player_id,
            admin=CallingAdmin(
                player_id=admin.id,
                character_id=admin.character_id,
                name=admin.name,
                room_id=admin.room_id,
                shard=self._shard,
                role=msg.player_role,
            ),
            command=call.command,
            args=list(call.args),
        )
        key = command_key(call.shard, call.player_id)
        await self._bus.publish(COMMANDS_EXCHANGE, key, message.model_dump_json().encode())

    async def answer(self, call: ShardCall, success: bool, text: str) -> None:
        """The target's shard's part: send what the command did back to the admin."""
        result = ShardCallResult(
            delivery_id=uuid.uuid5(_CALL_IDS, f"result:{call.call_id}").hex,
            call_id=call.call_id,
            player_id=call.admin.player_id,
            success=success,
            text=text,
        )
        key = command_key(call.admin.shard, call.admin.player_id)
        await self._bus.publish(COMMANDS_EXCHANGE, key, result.model_dump_json().encode())

    def waiting(self, msg: AnyPlayerCommand) -> bool:
        """Whether ``msg`` re-sends a command whose call is pending (the same player and
        ``command_id``): then it is not run again, but answered with the call."""
        if msg.command_id is None:
            return False
        for pending in self._pending.values():  # a handful at most: admins' commands
            if pending.player_id == msg.player_id and pending.command_id == msg.command_id:
                if msg.delivery_id not in pending.asked:
                    self._keep(replace(pending, also=(*pending.also, msg.delivery_id)))
                return True
        return False

    def settle(self, result: ShardCallResult) -> PendingCall | None:
        """The pending command ``result`` answers; None when it timed out (or was never
        sent from here)."""
        pending = self._pending.get(result.call_id)
        if pending is None:
            log.info("a shard call's result came after the call gave up: %s", result.call_id)
            return None
        self._drop(pending)
        return pending

    def expired(self, now: float) -> list[PendingCall]:
        """The pending commands whose time is up (taken out)."""
        late = [p for p in self._pending.values() if p.deadline <= now]
        for pending in late:
            self._drop(pending)
        return late

    def take(self, player_id: str) -> list[CarriedCall]:
        """The calls ``player_id`` waits on, taken out to cross with them."""
        mine = [p for p in self._pending.values() if p.player_id == player_id]
        for pending in mine:
            self._drop(pending)
        return [
            CarriedCall(
                call_id=p.delivery_id,
                command=p.command,
                command_id=p.command_id,
                target_name=p.target_name,
                deadline=p.deadline,
                also=list(p.also),
            )
            for p in mine
        ]

    def carried(self, player_id: str, calls: list[CarriedCall]) -> None:
        """Keep the calls a player who crossed here waits on (``take`` on their shard)."""
        for c in calls:
            self._keep(
                PendingCall(
                    player_id,
                    c.command,
                    c.command_id,
                    c.call_id,
                    c.target_name,
                    c.deadline,
                    tuple(c.also),
                )
            )

    def entries(self) -> dict[str, PendingCallEntry]:
        """Every pending call as a journal record holds it (what a checkpoint records)."""
        return {call_id: pending.entry() for call_id, pending in self._pending.items()}

    def restore(self, entries: Mapping[str, PendingCallEntry]) -> None:
        """Continue the calls the journal says are pending (a game taking the shard
        over); recorded again in its first record, so a game that restarts once more
        before a checkpoint still finds them."""
        for call_id, (player_id, command, command_id, target, deadline, also) in entries.items():
            self._keep(PendingCall(player_id, command, command_id, call_id, target, deadline, also))

    def _keep(self, pending: PendingCall) -> None:
        self._pending[pending.delivery_id] = pending
        if self.journal is not None:
            self.journal.call_pending(pending.delivery_id, pending.entry())

    def _drop(self, pending: PendingCall) -> None:
        del self._pending[pending.delivery_id]
        if self.journal is not None:
            self.journal.call_settled(pending.delivery_id)


def stand_in(admin: CallingAdmin) -> Player:
    """The calling admin as a command on this shard sees them: not in the world here."""
    character = standard_investigator(admin.character_id, admin.player_id, admin.name)
    return Player(admin.player_id, admin.name, admin.room_id, 0, character=character)


def run_called(call: ShardCall, ctx: Context) -> Outcome:
    """Run ``call``'s command in ``ctx`` (whose actor is the admin's ``stand_in``): only
    the commands of ``CALLABLE``, and never a further call (``ctx`` has no directory)."""
    parsed = resolve(call.command, call.args, {}, ctx.rules.max_alias_depth)
    if isinstance(parsed, str) or parsed.spec.name not in CALLABLE:
        return Outcome(False, f"'{call.command}' cannot reach a player on another shard.")
    ctx.invocation = (parsed.spec.name, tuple(parsed.args))
    try:
        outcome = parsed.spec.run(ctx, parsed.args)
    except Exception:
        log.exception("shard call %r failed for %s", call.command, call.player_id)
        return Outcome(False, "Something went wrong with that command; it has been logged.")
    if outcome.call is not None:
        # What it asks about moved on from here meanwhile (a zone's owner changed).
        return Outcome(False, f"That is {outcome.call.shard}'s now, not this shard's; try again.")
    return outcome
