"""The envelopes a game publishes during one turn of the event loop leave as few broker
messages as they fit in.

Under load the game finishes many commands in one turn, and each room event was a
message of its own: the broker's cost is per message far more than per byte (routing,
a queue, a delivery, an ack), and so is each edge's. ``EventCarriers`` holds every
envelope published in a turn and, when the turn ends, sends them folded into as few
messages as fit (``envelope.fold``), each routed by every key its envelopes would have
gone by (``Bus.publish_routed``): every edge that would have received one of them
receives the message once, and reads each envelope in it as if it had arrived alone.
An edge holding none of an envelope's recipients passes over it.

Order: every publish to the events exchange that holds an envelope joins the turn's
queue in call order, and at the turn's end the queue leaves in that order on the one
channel: runs of plain envelopes as carriers, any other such call (persistent, with a
correlation id or reply-to, or mixing envelopes with other messages, as a shard's
directory delta in a unit's outbox) as it was made. So nothing published after an
envelope overtakes it. What holds no envelope goes to other consumers and passes at
once. A carrier holds envelopes of several commands, so it is sent outside any log
context (no command id header); a call sent as it was keeps its caller's.

Scale: with many edges, a message reaches every edge bound to any of its envelopes'
keys, and each decodes all of them; ``GAME_EVENT_CARRIER_ENVELOPES`` bounds that (1:
one message per envelope, as before carriers).

Limits: a message holds at most ``max_envelopes`` envelopes, fewer than
``DEPTH_CHECK_BRACKETS`` opening brackets (so an edge reads it with its fast decoder)
and ``MAX_CARRIER_BYTES`` bytes; an envelope past a limit alone travels alone.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from mythos_contracts.bus import Bus
from mythos_contracts.bus.access import EVENT_KEYS
from mythos_contracts.envelope import fold
from mythos_contracts.envelope_wire import DEPTH_CHECK_BRACKETS
from mythos_contracts.routing import EVENTS_EXCHANGE, GAME_SYNC_KEY

from mythos_game.service_layer.passing_bus import PassingBus

DEFAULT_MAX_ENVELOPES = 32
MAX_CARRIER_BYTES = 256 * 1024
_ENVELOPE_FAMILIES = frozenset(EVENT_KEYS)

_Send = Callable[[], Coroutine[Any, Any, None]]


@dataclass(slots=True)
class _Held:
    """One call waiting for the turn's end: envelopes to carry, or a call to make as it
    was (``send``, in its caller's ``context``)."""

    waiter: asyncio.Future[None]
    envelopes: Sequence[tuple[str, bytes]] = ()
    send: _Send | None = None
    context: contextvars.Context | None = None


@dataclass(slots=True)
class _Carrier:
    keys: list[str] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    size: int = 0
    brackets: int = 1  # the ``[`` that opens what is folded


class EventCarriers(PassingBus):
    """The game's bus below its journal: publishes to the events exchange that hold an
    envelope (room, player and global keys) wait for the end of the turn, in order; every
    other call passes. ``max_envelopes`` 1: each envelope alone, at once, as before."""

    def __init__(self, bus: Bus, *, max_envelopes: int = DEFAULT_MAX_ENVELOPES) -> None:
        super().__init__(bus)
        self._max = max(1, max_envelopes)
        self._off = self._max == 1
        self._turn: list[_Held] = []

    async def publish(
        self,
        exchange: str,
        routing_key: str,
        body: bytes,
        *,
        persistent: bool = True,
        correlation_id: str | None = None,
        reply_to: str | None = None,
    ) -> None:
        if self._off or not _carried(exchange, routing_key):
            await super().publish(
                exchange,
                routing_key,
                body,
                persistent=persistent,
                correlation_id=correlation_id,
                reply_to=reply_to,
            )
        elif persistent or correlation_id is not None or reply_to is not None:
            await self._hold_call(
                lambda: self._bus.publish(
                    exchange,
                    routing_key,
                    body,
                    persistent=persistent,
                    correlation_id=correlation_id,
                    reply_to=reply_to,
                )
            )
        else:
            await self._hold(_Held(self._waiter(), envelopes=((routing_key, body),)))

    async def publish_many(
        self, exchange: str, messages: Sequence[tuple[str, bytes]], *, persistent: bool = True
    ) -> None:
        carried = [_carried(exchange, key) for key, _ in messages]
        if self._off or not any(carried):
            await super().publish_many(exchange, messages, persistent=persistent)
        elif persistent or not all(carried):
            await self._hold_call(
                lambda: self._bus.publish_many(exchange, messages, persistent=persistent)
            )
        else:
            await self._hold(_Held(self._waiter(), envelopes=messages))

    async def publish_routed(
        self, exchange: str, routing_keys: Sequence[str], body: bytes, *, persistent: bool = True
    ) -> None:
        if self._off or not any(_carried(exchange, key) for key in routing_keys):
            await super().publish_routed(exchange, routing_keys, body, persistent=persistent)
        else:
            await self._hold_call(
                lambda: self._bus.publish_routed(
                    exchange, routing_keys, body, persistent=persistent
                )
            )

    def _waiter(self) -> asyncio.Future[None]:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Read either way: a failure whose caller was cancelled meanwhile is not logged as
        # never retrieved (a caller still waiting hears of it through its own publish).
        waiter.add_done_callback(lambda w: w.cancelled() or w.exception())
        return waiter

    async def _hold_call(self, send: _Send) -> None:
        held = _Held(self._waiter(), send=send, context=contextvars.copy_context())
        await self._hold(held)

    async def _hold(self, held: _Held) -> None:
        if not self._turn:
            # Outside any log context: the turn's carriers are no one command's.
            asyncio.get_running_loop().call_soon(self._flush, context=contextvars.Context())
        self._turn.append(held)
        # Not shielded: a caller cancelled meanwhile cancels only its waiter, which
        # ``_settle`` then passes over; what it published still leaves with the turn.
        await held.waiter

    def _flush(self) -> None:
        turn, self._turn = self._turn, []
        sending: dict[asyncio.Future[None], list[asyncio.Task[None]]] = {
            held.waiter: [] for held in turn
        }
        try:
            # Made in order in one callback: tasks start in that order, and each reaches
            # the publisher's pipeline before it first suspends, so the messages keep it.
            for step in self._plan(turn):
                if isinstance(step, _Carrier):
                    task = asyncio.ensure_future(
                        self._bus.publish_routed(
                            EVENTS_EXCHANGE,
                            step.keys,
                            fold(step.bodies[0], step.bodies[1:]),
                            persistent=False,
                        )
                    )
                    for waiter in step.waiters:
                        sending[waiter].append(task)
                else:
                    assert step.send is not None and step.context is not None
                    task = asyncio.get_running_loop().create_task(step.send(), context=step.context)
                    sending[step.waiter].append(task)
        except Exception as exc:  # never leave a caller waiting
            for waiter in sending:
                if not waiter.done():
                    waiter.set_exception(exc)
            return
        for waiter, tasks in sending.items():
            # Most callers' envelopes ride in one carrier: its task settles them directly.
            finished = tasks[0] if len(tasks) == 1 else asyncio.gather(*tasks)
            finished.add_done_callback(functools.partial(_settle, waiter))

    def _plan(self, turn: list[_Held]) -> list[_Carrier | _Held]:
        """The turn in order: runs of envelopes packed into carriers, calls as made."""
        steps: list[_Carrier | _Held] = []
        current = _Carrier()
        for held in turn:
            if held.send is not None:
                if current.bodies:
                    steps.append(current)
                    current = _Carrier()
                steps.append(held)
                continue
            for key, body in held.envelopes:
                brackets = body.count(b"{") + body.count(b"[")
                if current.bodies and (
                    len(current.bodies) >= self._max
                    or current.brackets + brackets >= DEPTH_CHECK_BRACKETS
                    or current.size + len(body) > MAX_CARRIER_BYTES
                ):
                    steps.append(current)
                    current = _Carrier()
                current.bodies.append(body)
                current.size += len(body) + 1
                current.brackets += brackets
                if key not in current.keys:
                    current.keys.append(key)
                if not current.waiters or current.waiters[-1] is not held.waiter:
                    current.waiters.append(held.waiter)
        if current.bodies:
            steps.append(current)
        return steps


def _carried(exchange: str, routing_key: str) -> bool:
    """Whether a publish is an envelope for edges (what may travel in a carrier)."""
    return (
        exchange == EVENTS_EXCHANGE
        and routing_key != GAME_SYNC_KEY
        and routing_key.split(".", 1)[0] in _ENVELOPE_FAMILIES
    )


def _settle(waiter: asyncio.Future[None], finished: asyncio.Future[Any]) -> None:
    """``waiter`` from its messages' sends: each confirmed, or the first failure (a send
    cancelled, as at shutdown, as a connection error: the caller was not cancelled)."""
    if waiter.done():
        return
    if finished.cancelled():
        waiter.set_exception(ConnectionError("the publish was cancelled before its confirm"))
        return
    error = finished.exception()
    if error is None:
        waiter.set_result(None)
    elif isinstance(error, Exception):
        waiter.set_exception(error)
    else:
        waiter.set_exception(ConnectionError("the publish was cancelled before its confirm"))
