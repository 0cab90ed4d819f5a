"""Players' commands for the same shard leave as one broker message
(``mythos_contracts.command_batch``): those sent in one turn of the event loop, and,
while a shard's last message is not yet confirmed, every one sent meanwhile.

A persistent message to a shard's quorum inbox is the broker's most expensive message
of a command's trip, and most of that cost is per message, not per byte. Under load an
edge reads several players' commands in one turn: ``send`` holds each until the end of
the turn, then every shard's commands go as one ``PlayerCommandBatch`` (a lone one as
today's single message), and each caller learns its batch's confirm. A shard with
``in_flight`` messages unconfirmed takes no more: what is sent meanwhile waits for the
first confirm and leaves with it (group commit). An idle edge sends at once (once the
linger below is over, when one is set); a busy one sends fewer, larger messages, each
command waiting at most one confirm (and one linger) longer.

Linger (``linger``, ``EDGE_COMMAND_LINGER_SECONDS``, off by default): a message leaves
that long after the moment it could have left (the first command sent while nothing
waits, or the confirm of the shard's last message), carrying whatever arrived
meanwhile. Every process a command message passes through (the broker, the game, the
carrier and the journal record it makes) wakes once per message, and a wake-up costs
more than a say: at 1,000 say/s 5 ms made messages of 8 to 11 commands where the
confirm alone made 5 to 6, and at 500 say/s it left the core 17-24 % idle where it had
been full; but a full run's soak at 500 say/s had its p99 over 50 ms in 7 of 10 minutes
(docs/benchmarks/README.md, "2026-12-07, 10:27-11:22"), so it is off. A command waits
at most the linger longer; 0 sends at the end of the turn.

Order: a session awaits each input's confirm before it sends its next, so one player has
at most one input on its way, and a batch never holds two commands of one player. What
does not go through here (session messages, refusals) is published as before, and is
never overtaken: a command waiting here was sent after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from mythos_contracts.bus import Bus
from mythos_contracts.command_batch import MAX_BATCH_COMMANDS, command_batch_json
from mythos_contracts.routing import COMMANDS_EXCHANGE, command_batch_key, command_key

from mythos_edge.metrics import COMMAND_MESSAGES

COMMANDS_IN_FLIGHT = 1
"""Most messages of one shard's commands an edge has unconfirmed at once (one: the next
waits for the last one's confirm, and carries everything sent meanwhile)."""

_Waiting = tuple[str, bytes, asyncio.Future[None]]
"""A command held for this turn's batch: its player, its body, its caller's wait."""


class CommandBatches:
    """The edge's one sender of players' commands (``max_commands``: the most in one
    message, ``MAX_BATCH_COMMANDS``; ``in_flight``: the most messages a shard has
    unconfirmed, ``COMMANDS_IN_FLIGHT``; ``linger``: seconds a message waits for more, the
    edge's ``command_linger_seconds``; 0, the end of the turn, when not given)."""

    def __init__(
        self,
        bus: Bus,
        *,
        max_commands: int = MAX_BATCH_COMMANDS,
        in_flight: int = COMMANDS_IN_FLIGHT,
        linger: float = 0.0,
    ) -> None:
        if linger < 0:
            raise ValueError(f"linger must not be negative: {linger}")
        self._bus = bus
        self._linger = linger
        self._max = max_commands
        self._in_flight_limit = in_flight
        self._in_flight: dict[str, int] = {}
        self._waiting: dict[str, list[_Waiting]] = {}
        self._scheduled = False
        self._sending: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        """The running loop, asked for once: ``asyncio.get_running_loop()`` makes a getpid
        system call each time (CPython 3.11 checks for a fork), and this runs per command."""

    async def send(self, shard: str, player_id: str, body: bytes) -> None:
        """Send ``body`` (a ``PlayerCommand``'s JSON) to ``shard``'s inbox; returns once the
        broker confirmed the message that carries it (raises as ``Bus.publish`` would).
        Cancelled before it leaves (the end of the turn, or its shard's confirm), it is
        not sent."""
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._waiting.setdefault(shard, []).append((player_id, body, future))
        if not self._scheduled:
            self._scheduled = True
            self._schedule(loop)
        await future

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._linger:
            loop.call_later(self._linger, self._flush, loop)
        else:
            loop.call_soon(self._flush, loop)

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        self._scheduled = False
        waiting, self._waiting = self._waiting, {}
        for shard, commands in waiting.items():
            live = [command for command in commands if not command[2].done()]
            room = self._in_flight_limit - self._in_flight.get(shard, 0)
            while live and room > 0:
                self._publish(loop, shard, live[: self._max])
                live = live[self._max :]
                room -= 1
            if live:  # they leave with the shard's next confirm
                self._waiting[shard] = live

    def _publish(
        self, loop: asyncio.AbstractEventLoop, shard: str, commands: list[_Waiting]
    ) -> None:
        if len(commands) == 1:  # a lone command travels as it always did
            player_id, body, _ = commands[0]
            sent = self._bus.publish(COMMANDS_EXCHANGE, command_key(shard, player_id), body)
        else:
            body = command_batch_json([command[1] for command in commands])
            sent = self._bus.publish(COMMANDS_EXCHANGE, command_batch_key(shard), body)
        COMMAND_MESSAGES.inc()
        self._in_flight[shard] = self._in_flight.get(shard, 0) + 1
        # Called in the same turn as the flush: publishes keep the order of the batches.
        task = loop.create_task(sent)
        self._sending.add(task)
        task.add_done_callback(_settle(commands, lambda task: self._confirmed(loop, shard, task)))

    def _confirmed(
        self, loop: asyncio.AbstractEventLoop, shard: str, task: asyncio.Task[None]
    ) -> None:
        """A shard's message is settled (confirmed or failed): room for the next."""
        self._sending.discard(task)
        self._in_flight[shard] -= 1
        if self._waiting.get(shard) and not self._scheduled:
            self._scheduled = True
            self._schedule(loop)


def _settle(
    commands: list[_Waiting], shard_settled: Callable[[asyncio.Task[None]], None]
) -> Callable[[asyncio.Task[None]], None]:
    def settled(task: asyncio.Task[None]) -> None:
        shard_settled(task)  # first: the shard's next message is scheduled before callers wake
        error = (
            asyncio.CancelledError() if task.cancelled() else task.exception()
        )  # read either way, so an unheard failure is never logged as unretrieved
        for _, _, future in commands:
            if future.done():
                continue
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)

    return settled
