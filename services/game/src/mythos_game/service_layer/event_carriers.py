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

Order: envelopes keep the order they were published in, across callers, and a turn's
messages are published in that order on the one channel. An envelope that does not
travel so (persistent, or in a call with other messages) waits for the envelopes held
before it, so none overtakes another; what is no envelope goes to other consumers and
passes at once.

Scale: with many edges, a message reaches every edge bound to any of its envelopes'
keys, and each decodes all of them; ``GAME_EVENT_CARRIER_ENVELOPES`` bounds that (1:
one message per envelope, as before carriers).

Limits: a message holds at most ``max_envelopes`` envelopes, fewer than
``DEPTH_CHECK_BRACKETS`` opening brackets (so an edge reads it with its fast decoder)
and ``MAX_CARRIER_BYTES`` bytes; an envelope past a limit alone travels alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from mythos_contracts.bus import Bus
from mythos_contracts.bus.access import EVENT_KEYS
from mythos_contracts.envelope import fold
from mythos_contracts.envelope_wire import DEPTH_CHECK_BRACKETS
from mythos_contracts.routing import EVENTS_EXCHANGE, GAME_SYNC_KEY

from mythos_game.service_layer.passing_bus import PassingBus

DEFAULT_MAX_ENVELOPES = 32
MAX_CARRIER_BYTES = 256 * 1024
_ENVELOPE_FAMILIES = frozenset(EVENT_KEYS)


@dataclass(slots=True)
class _Carrier:
    keys: list[str] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    size: int = 0
    brackets: int = 1  # the ``[`` that opens what is folded


class EventCarriers(PassingBus):
    """The game's bus below its journal: envelopes (plain, transient publishes of room,
    player and global keys to the events exchange) wait for the end of the turn; every
    other call passes. ``max_envelopes`` 1: each envelope alone, as before carriers."""

    def __init__(self, bus: Bus, *, max_envelopes: int = DEFAULT_MAX_ENVELOPES) -> None:
        super().__init__(bus)
        self._max = max(1, max_envelopes)
        self._off = self._max == 1
        """Every publish passes at once, as before carriers."""
        self._turn: list[tuple[str, bytes]] = []
        self._waiting: asyncio.Future[None] | None = None
        """Settled once every message of the turn being gathered is confirmed."""
        self._sent: asyncio.Future[None] | None = None
        """The same, of the last turn already flushed (what a later publish waits for)."""

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
        envelope = correlation_id is None and reply_to is None and _carried(exchange, routing_key)
        if envelope and not persistent and not self._off:
            await self._hold([(routing_key, body)])
            return
        if envelope:
            await self._after_envelopes()
        await super().publish(
            exchange,
            routing_key,
            body,
            persistent=persistent,
            correlation_id=correlation_id,
            reply_to=reply_to,
        )

    async def publish_many(
        self, exchange: str, messages: Sequence[tuple[str, bytes]], *, persistent: bool = True
    ) -> None:
        envelopes = any(_carried(exchange, key) for key, _ in messages)
        if envelopes and not persistent and not self._off:
            if all(_carried(exchange, key) for key, _ in messages):
                await self._hold(messages)
                return
        if envelopes:
            await self._after_envelopes()
        await super().publish_many(exchange, messages, persistent=persistent)

    async def _after_envelopes(self) -> None:
        """Let the envelopes published before go first (they leave at the turn's end)."""
        pending = self._waiting or self._sent
        if pending is not None and not pending.done():
            await asyncio.shield(pending)

    async def _hold(self, messages: Sequence[tuple[str, bytes]]) -> None:
        waiting = self._waiting
        if waiting is None:
            loop = asyncio.get_running_loop()
            waiting = self._waiting = loop.create_future()
            # Read either way: a failure whose callers were all cancelled is not logged
            # as never retrieved (they are told through their own publish).
            waiting.add_done_callback(lambda f: f.cancelled() or f.exception())
            loop.call_soon(self._flush)
        self._turn.extend(messages)
        await asyncio.shield(waiting)

    def _flush(self) -> None:
        turn, self._turn = self._turn, []
        waiting, self._waiting = self._waiting, None
        assert waiting is not None
        self._sent = waiting
        loop = asyncio.get_running_loop()
        # Made in order in one callback: tasks start in that order, and each reaches the
        # publisher's pipeline before it first suspends, so the messages keep it.
        sends = [
            loop.create_task(
                self._bus.publish_routed(
                    EVENTS_EXCHANGE,
                    carrier.keys,
                    fold(carrier.bodies[0], carrier.bodies[1:]),
                    persistent=False,
                )
            )
            for carrier in self._pack(turn)
        ]
        done = asyncio.gather(*sends)
        done.add_done_callback(lambda finished: _settle(waiting, finished))

    def _pack(self, turn: list[tuple[str, bytes]]) -> list[_Carrier]:
        carriers: list[_Carrier] = []
        current = _Carrier()
        for key, body in turn:
            brackets = body.count(b"{") + body.count(b"[")
            if current.bodies and (
                len(current.bodies) >= self._max
                or current.brackets + brackets >= DEPTH_CHECK_BRACKETS
                or current.size + len(body) > MAX_CARRIER_BYTES
            ):
                carriers.append(current)
                current = _Carrier()
            current.bodies.append(body)
            current.size += len(body)
            current.brackets += brackets
            if key not in current.keys:
                current.keys.append(key)
        if current.bodies:
            carriers.append(current)
        return carriers


def _carried(exchange: str, routing_key: str) -> bool:
    """Whether a publish is an envelope for edges (what may travel in a carrier)."""
    return (
        exchange == EVENTS_EXCHANGE
        and routing_key != GAME_SYNC_KEY
        and routing_key.split(".", 1)[0] in _ENVELOPE_FAMILIES
    )


def _settle(waiting: asyncio.Future[None], finished: asyncio.Future[list[None]]) -> None:
    if waiting.done():
        return
    if finished.cancelled():
        waiting.cancel()
    elif (error := finished.exception()) is not None:
        waiting.set_exception(error)
    else:
        waiting.set_result(None)
