"""Feeds the game's command queue into the dispatcher.

Stopping is the bus's job (``Bus.stop_consuming``): the command in hand finishes and is
acked, and whatever was not started goes back to the broker, unacked, for the next game.

An edge's batch (``mythos_contracts.command_batch``) is one delivery carrying several
players' commands: each runs as if it had come alone, in order, and the delivery is acked
once every one's effects are confirmed. A command of a batch that raises is dead-lettered
alone (published to the dead-letter exchange on the batch's key, once what it did is
confirmed) and its neighbours go on; the delivery itself is dead-lettered whole only by
the broker's delivery limit (one that crashes every game it reaches).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from mythos_contracts.accounts import AccountRevoked
from mythos_contracts.bus import Bus, Delivery, Settlement
from mythos_contracts.command_batch import read_command_batch
from mythos_contracts.directory import WhisperRelay
from mythos_contracts.envelope import EdgeHeartbeat, EdgeMessage, PlayerCommand
from mythos_contracts.global_lines import GlobalLine, GlobalSaid
from mythos_contracts.heartbeat_wire import WireEdgeHeartbeat, read_edge_heartbeat
from mythos_contracts.ops.metrics import BUS_DELIVERED
from mythos_contracts.player_command_wire import WirePlayerCommand, read_player_command
from mythos_contracts.routing import DEAD_LETTER_EXCHANGE, is_command_batch_key, is_revocation_key
from mythos_contracts.shard_calls import ShardCall, ShardCallResult
from mythos_contracts.transfer import PlayerTransfer
from mythos_contracts.zone_handover import ZoneAdopt, ZoneOwnerChanged
from pydantic import Field, TypeAdapter

from mythos_game.service_layer.dispatcher import Dispatcher
from mythos_game.service_layer.handled_inputs import HandledInputs
from mythos_game.service_layer.metrics import (
    BATCHED_COMMANDS_DEAD_LETTERED,
    INPUTS_ALREADY_HANDLED,
    UNTRUSTED_COMMANDS,
)

log = logging.getLogger(__name__)

# The queue also carries the auth service's revocations (docs/architecture.md).
# And, between shards, players crossing to this one (``PlayerTransfer``) and whispers to
# its players from another (``WhisperRelay``), and ``global``/``broadcast`` lines to order
# (``GlobalSaid``, the lobby's) or to stamp (``GlobalLine``), and admin commands on this
# shard's players (``ShardCall``) and their results (``ShardCallResult``), and zones
# moving between shards (``ZoneAdopt``, ``ZoneOwnerChanged``).
GameInput = Annotated[
    EdgeMessage
    | AccountRevoked
    | PlayerTransfer
    | WhisperRelay
    | GlobalSaid
    | GlobalLine
    | ShardCall
    | ShardCallResult
    | ZoneAdopt
    | ZoneOwnerChanged,
    Field(discriminator="kind"),
]
_FROM_GAMES_ONLY = (
    PlayerTransfer,
    WhisperRelay,
    GlobalSaid,
    GlobalLine,
    ShardCall,
    ShardCallResult,
    ZoneAdopt,
    ZoneOwnerChanged,
)
GAME_INPUT: TypeAdapter[GameInput] = TypeAdapter(GameInput)

DeadLetter = Callable[[str, bytes], Awaitable[None]]
"""Publishes ``(routing key, body)`` to the dead-letter exchange, confirmed."""


def dead_letter_to(bus: Bus, queue: str) -> DeadLetter:
    """Dead-letters a message of ``queue`` by hand, counted as the bus counts its own
    dead-lettered deliveries (the ``MythosDeadLetters`` alert watches that count)."""
    counted = BUS_DELIVERED.labels(queue, "dead_letter")

    async def dead_letter(routing_key: str, body: bytes) -> None:
        await bus.publish(DEAD_LETTER_EXCHANGE, routing_key, body)
        counted.inc()

    return dead_letter


class NotAPlayerCommand(ValueError):
    """A batch carries plain player commands only: anything else in one is a sender's bug."""


class CommandIntake:
    """The handler of the game's command queue.

    ``publisher``: the edges' broker user (``GAME_COMMAND_PUBLISHER``); ``accounts``: the
    auth service's (``GAME_ACCOUNTS_PUBLISHER``), which alone sends revocations. When set,
    a message published by any other user (its ``user_id``, which the broker checks) is
    dropped, logged and counted: only an edge speaks for players, only auth revokes.
    Empty accepts any.

    Each message from an edge runs at most once: its ``delivery_id`` is remembered once
    handled (``HandledInputs``), and the same id delivered again is acked and skipped.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        dead_letter: DeadLetter,
        publisher: str = "",
        accounts: str = "",
        shards: str = "",
        handled: dict[str, float] | None = None,
    ) -> None:
        """``shards``: the games' own broker user (``GAME_SHARD_PUBLISHER``), from which
        transfers and forwarded inputs come; ``handled``: delivery ids the last game
        handled (from the journal), with how many seconds ago; ``dead_letter``: where a
        failed command of a batch goes alone."""
        self._dispatcher = dispatcher
        self._dead_letter = dead_letter
        self._publisher = publisher
        self._accounts = accounts
        self._shards = shards
        self._handled = HandledInputs()
        now = time.monotonic()
        for delivery_id, age in sorted((handled or {}).items(), key=lambda item: -item[1]):
            self._handled.add(delivery_id, now - age)

    async def __call__(self, delivery: Delivery) -> Settlement | None:
        """Returns the confirms of what the message did (group commit): the bus acks it
        once they are in, while the next messages run."""
        if is_command_batch_key(delivery.routing_key):
            commands = read_command_batch(delivery.body)
            if commands is not None:  # else one message after all: read as ever
                return await self._run_batch(delivery, commands)
        try:
            await self._run(delivery, delivery.body)
        except Exception:
            # Dead-lettered only once what it did is confirmed: never before its own
            # record. Not confirmed: returned as its failed settlement, so the bus leaves
            # it unacked and takes nothing more (the game is stopping; it comes back).
            settlement = self._dispatcher.take_settlement()
            if settlement is None:
                raise
            try:
                await settlement
            except Exception:
                return settlement
            raise
        return self._dispatcher.take_settlement()

    async def _run_batch(self, delivery: Delivery, commands: list[bytes]) -> Settlement | None:
        """Each command as if it came alone, in order; the batch's settlement is all of
        theirs. A failed settlement is returned at once: the batch stays unacked, the rest
        of it unrun, and it comes back to a game that skips what already ran."""
        if self._checked_sender(delivery, revocation=False) is None:
            return None  # a batch is never a revocation
        settlements: list[Settlement] = []
        for body in commands:
            try:
                await self._run(delivery, body, batched=True)
            except Exception:
                # As a single message: dead-lettered only once what it did is confirmed.
                settlement = self._dispatcher.take_settlement()
                if settlement is not None:
                    try:
                        await settlement
                    except Exception:
                        return settlement
                log.exception(
                    "a command of a batch on %s failed; dead-lettering it alone",
                    delivery.routing_key,
                )
                BATCHED_COMMANDS_DEAD_LETTERED.inc()
                # Its confirm is part of the batch's: the batch is acked only once the
                # command is safe in the dead-letter queue.
                settlements.append(
                    asyncio.ensure_future(self._dead_letter(delivery.routing_key, body))
                )
                continue
            settlement = self._dispatcher.take_settlement()
            if settlement is not None:
                settlements.append(settlement)
        if not settlements:
            return None
        if len(settlements) == 1:
            return settlements[0]
        return asyncio.gather(*settlements)

    def _checked_sender(self, delivery: Delivery, *, revocation: bool) -> bool | None:
        """Whether ``delivery`` came from a game of another shard; None when its broker
        user may not send it at all (then it is dropped, logged and counted)."""
        expected = self._accounts if revocation else self._publisher
        from_a_shard = not revocation and bool(self._shards) and delivery.user_id == self._shards
        if expected and delivery.user_id != expected and not from_a_shard:
            # Acked, not dead-lettered: it is not a message to inspect and retry but one
            # nobody may send; the log line and the counter are the alarm.
            log.warning(
                "dropped a message on %s from broker user %r: it may come only from %r",
                delivery.routing_key,
                delivery.user_id,
                expected,
            )
            UNTRUSTED_COMMANDS.inc()
            return None
        return from_a_shard

    async def _run(self, delivery: Delivery, body: bytes, *, batched: bool = False) -> None:
        """``body``: the delivery's, or (``batched``) one command of its batch, whose
        sender was checked already."""
        if batched:
            from_a_shard: bool | None = False
        else:
            revocation = is_revocation_key(delivery.routing_key)
            from_a_shard = self._checked_sender(delivery, revocation=revocation)
            if from_a_shard is None:
                return
        # Commands, most of what comes, are read without pydantic when msgspec's strict
        # reading takes them; the model reads the rest, and words what it refuses. A body
        # that is not a valid message is a sender's bug: raising dead-letters it.
        message = (
            read_player_command(body) or read_edge_heartbeat(body) or GAME_INPUT.validate_json(body)
        )
        if batched and not isinstance(message, WirePlayerCommand | PlayerCommand):
            raise NotAPlayerCommand(f"a {message.kind} in a command batch")
        if isinstance(message, _FROM_GAMES_ONLY) and self._publisher and not from_a_shard:
            # Only a game moves a player between shards or relays a line: never an edge.
            log.warning("dropped a %s from broker user %r", message.kind, delivery.user_id)
            UNTRUSTED_COMMANDS.inc()
            return
        if isinstance(message, AccountRevoked | EdgeHeartbeat | WireEdgeHeartbeat):
            await self._dispatcher.handle(message)  # idempotent, and carry no delivery id
            return
        delivery_id = message.delivery_id
        # Deliveries come one at a time: the id cannot be in hand meanwhile.
        if self._handled.seen(delivery_id, time.monotonic()):
            # Its effects were published before its first ack was lost: nothing to redo.
            log.info(
                "skipped a message already handled",
                extra={
                    "player_id": getattr(message, "player_id", None),
                    "delivery_id": delivery_id,
                },
            )
            INPUTS_ALREADY_HANDLED.inc()
            return
        cancelled = False
        try:
            await self._dispatcher.handle(message)
        except asyncio.CancelledError:
            cancelled = True  # not handled (a stop past its grace): the next game runs it
            raise
        finally:
            # Raised or not, it ran: a redelivery (its reject lost) must not run it again.
            if not cancelled:
                self._handled.add(delivery_id, time.monotonic())
