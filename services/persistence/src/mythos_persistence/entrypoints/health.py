"""The internal ops app: ``/healthz`` (liveness), ``/readyz`` (database, broker), ``/metrics``.

Served on PERSISTENCE_HEALTH_PORT only; the public origin never routes here.
"""

from __future__ import annotations

from collections.abc import Mapping

from mythos_contracts.bus import Bus
from mythos_contracts.ops.health import Check, ops_routes
from starlette.applications import Starlette

SERVICE = "persistence"


def create_ops_app(readiness: Mapping[str, Check], *, bus: Bus | None = None) -> Starlette:
    """``readiness`` names each dependency check (a coroutine that raises when it is down).

    Liveness never looks at them: a database outage is waited out (saves stay queued),
    so restarting the process would not help and must not be asked for.
    """
    return Starlette(routes=ops_routes(SERVICE, readiness, bus=bus))
