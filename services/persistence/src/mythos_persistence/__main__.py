"""``mythos-persistence`` / ``python -m mythos_persistence``: RabbitMQ + database, with
``/healthz``, ``/readyz`` and ``/metrics`` on the health port.

The contract's lifecycle runs it (``mythos_contracts.runtime``): it waits for a broker
that is not up yet, and on SIGTERM lets the work in hand finish (within
``PERSISTENCE_SHUTDOWN_GRACE_SECONDS``) before the port and the broker close.
"""

from __future__ import annotations

import logging

from mythos_contracts.bus.access import owned_queues
from mythos_contracts.bus.amqp import AmqpBus
from mythos_contracts.runtime import Plan, Served, run_service

from mythos_persistence.bootstrap import PersistenceService
from mythos_persistence.entrypoints.health import SERVICE, create_ops_app
from mythos_persistence.settings import PersistenceSettings


def assemble(settings: PersistenceSettings) -> Plan:
    # Alembic announces every plugin it loads at INFO; only its real work matters here.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    bus = AmqpBus(
        settings.amqp_url,
        connection_name="persistence",
        queue_type=settings.amqp_queue_type,
        owned_queues=owned_queues("persistence", settings.amqp_declare),
    )
    service = PersistenceService(settings, bus)
    return Plan(
        service=service,
        served=Served(
            create_ops_app(service.readiness, bus=bus), settings.health_host, settings.health_port
        ),
        bus=bus,
    )


def main() -> None:
    run_service(SERVICE, PersistenceSettings, assemble)


if __name__ == "__main__":
    main()
