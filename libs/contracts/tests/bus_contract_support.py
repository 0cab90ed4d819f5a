"""What the bus contract suites (test_bus_contract_*.py) share: a connected bus, and a
handler that records what it is given. A plain module, on pytest's ``pythonpath``,
because test modules cannot import each other (``--import-mode=importlib``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from mythos_contracts.bus import Bus, Delivery

BusFactory = Callable[[str], Bus]


async def connected(factory: BusFactory, name: str) -> Bus:
    bus = factory(name)
    await bus.connect()
    return bus


class Collector:
    def __init__(self) -> None:
        self.items: list[Delivery] = []
        self.changed = asyncio.Event()

    async def __call__(self, delivery: Delivery) -> None:
        self.items.append(delivery)
        self.changed.set()

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[Delivery]:
        async with asyncio.timeout(timeout):
            while len(self.items) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.items

    def keys(self) -> list[str]:
        return [d.routing_key for d in self.items]
