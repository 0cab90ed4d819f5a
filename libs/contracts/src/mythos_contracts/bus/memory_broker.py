"""The broker of the in-process bus (``memory.InMemoryBus``): its queues, with RabbitMQ's
topic routing, single-active consumers, redelivery order and confirms on ack."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from mythos_contracts.bus.port import Delivery
from mythos_contracts.bus.topic import topic_matches

if TYPE_CHECKING:  # the bus holds the broker; a queue knows its owner's bus
    from mythos_contracts.bus.memory import InMemoryBus

DEFAULT_EXCHANGE = ""


class _Deliveries(asyncio.Queue[Delivery]):
    """First in, first out; a delivery handed back goes to the head, as a broker puts an
    unacked delivery back in its place when its consumer's connection ends."""

    def _init(self, maxsize: int) -> None:
        self._queue: deque[Delivery] = deque()
        self._to_front = False

    def _put(self, item: Delivery) -> None:
        if self._to_front:
            self._queue.appendleft(item)
        else:
            self._queue.append(item)

    def _get(self) -> Delivery:
        return self._queue.popleft()

    def put_front(self, delivery: Delivery) -> None:
        self._to_front = True
        try:
            self.put_nowait(delivery)
        finally:
            self._to_front = False


@dataclass
class _Queue:
    name: str
    owner: InMemoryBus | None
    dead_letter: bool
    max_length: int | None = None
    confirm_on_ack: bool = False
    single_active: bool = False
    items: _Deliveries = field(default_factory=_Deliveries)
    # confirm_on_ack: each waiting or unacked delivery (by identity) -> its confirm.
    unconfirmed: dict[int, asyncio.Future[None]] = field(default_factory=dict)
    consumers: list[asyncio.Task[None]] = field(default_factory=list)
    """A single-active queue's consumers, in the order they came: the first is active."""
    handed_over: asyncio.Event = field(default_factory=asyncio.Event)
    """Set (and replaced) each time a consumer of a single-active queue leaves."""

    def leave(self, consumer: asyncio.Task[None]) -> None:
        if consumer in self.consumers:
            self.consumers.remove(consumer)
            self.handed_over.set()
            self.handed_over = asyncio.Event()

    def put_back(self, delivery: Delivery) -> None:
        """An unacked delivery goes back in its place, marked redelivered, its confirm
        (if it has one) still waiting for it."""
        again = replace(delivery, redelivered=True)
        confirm = self.unconfirmed.pop(id(delivery), None)
        if confirm is not None:
            self.unconfirmed[id(again)] = confirm
        self.items.put_front(again)

    def put(self, delivery: Delivery) -> asyncio.Future[None] | None:
        """Enqueue; over ``max_length`` the oldest waiting message is dropped (drop-head).
        Returns the confirm to wait for, on a ``confirm_on_ack`` queue."""
        if self.max_length is not None and self.items.qsize() >= self.max_length:
            if self.items.empty():  # max_length 0: nothing is kept
                return None
            self.settle(self.items.get_nowait())
        self.items.put_nowait(delivery)
        if not self.confirm_on_ack:
            return None
        confirm = asyncio.get_running_loop().create_future()
        self.unconfirmed[id(delivery)] = confirm
        return confirm

    def settle(self, delivery: Delivery) -> None:
        """The queue is done with ``delivery``: its publisher's wait ends."""
        confirm = self.unconfirmed.pop(id(delivery), None)
        if confirm is not None and not confirm.done():
            confirm.set_result(None)


class InMemoryBroker:
    """The shared routing state: exchanges, queues and bindings."""

    def __init__(self, *, confirm_on_ack: Collection[str] = ()) -> None:
        """``confirm_on_ack``: the queues whose publishes are confirmed only once
        consumed (see the module doc)."""
        self.exchanges: dict[str, list[tuple[str, str]]] = {DEFAULT_EXCHANGE: []}
        self.queues: dict[str, _Queue] = {}
        self.confirm_on_ack = frozenset(confirm_on_ack)

    def route(
        self, exchange: str, routing_key: str, delivery: Delivery, *, also: Sequence[str] = ()
    ) -> list[asyncio.Future[None]]:
        """Put ``delivery`` in every queue it is routed to, by ``routing_key`` or any key
        in ``also`` (RabbitMQ's BCC), each queue once; returns the confirms to wait for
        (one per ``confirm_on_ack`` queue it went to)."""
        if exchange != DEFAULT_EXCHANGE and exchange not in self.exchanges:
            raise LookupError(f"no exchange {exchange!r}")
        names: dict[str, None] = {}  # ordered, and each queue once however many keys match
        for key in (routing_key, *also):
            if exchange == DEFAULT_EXCHANGE:
                if key in self.queues:
                    names[key] = None
            else:
                names.update(
                    (q, None)
                    for q, pattern in self.exchanges[exchange]
                    if topic_matches(pattern, key)
                )
        confirms = [self.queues[name].put(delivery) for name in names]
        return [confirm for confirm in confirms if confirm is not None]
