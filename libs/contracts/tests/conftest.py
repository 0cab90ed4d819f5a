"""The bus contract suites' backends: every test asking for ``bus_factory`` runs on the
in-process bus and on a real RabbitMQ with classic and with quorum queues."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from mythos_contracts.bus import Bus
from mythos_contracts.bus.amqp import AmqpBus, QueueType
from mythos_contracts.bus.memory import InMemoryBroker, InMemoryBus
from mythos_local.broker_drops import close_connection_named

BusFactory = Callable[[str], Bus]


class Buses:
    """Makes connections ("services") on one broker, and drops them."""

    def __init__(self, make: Callable[[str], Bus], url: str | None) -> None:
        self._make = make
        self._url = url
        self.made: list[Bus] = []
        self._named: dict[str, Bus] = {}

    def __call__(self, name: str) -> Bus:
        bus = self._make(name)
        self.made.append(bus)
        self._named[name] = bus
        return bus

    async def drop(self, name: str) -> None:
        """The connection ``name`` dies: on RabbitMQ the broker closes it (the client's
        handlers are not told; its robust connection comes back, a new consumer), in
        process the bus closes."""
        if self._url is None:
            await self._named[name].close()
        else:
            await close_connection_named(self._url, name)


@pytest.fixture(
    params=[
        "memory",
        pytest.param("amqp", marks=pytest.mark.services),
        pytest.param("amqp-quorum", marks=pytest.mark.services),
    ]
)
async def bus_factory(request: pytest.FixtureRequest) -> AsyncIterator[Buses]:
    """Connections on one broker: a fresh vhost (classic or quorum queues), or a fresh
    in-process broker."""
    if request.param.startswith("amqp"):
        url = request.getfixturevalue("amqp_url")
        queue_type: QueueType = "quorum" if request.param == "amqp-quorum" else "classic"
        buses = Buses(lambda name: AmqpBus(url, connection_name=name, queue_type=queue_type), url)
    else:
        broker = InMemoryBroker()
        # As if each service had its own user.
        buses = Buses(lambda name: InMemoryBus(broker, user=name), None)
    yield buses
    for bus in buses.made:
        await bus.close()
