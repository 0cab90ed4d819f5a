"""``/healthz``, ``/readyz`` and ``/metrics``: what Kubernetes and Prometheus ask every service.

* ``/healthz`` (liveness) answers 200 while the event loop runs and nothing fatal happened.
  It never looks at dependencies: a broker outage must not make Kubernetes kill pods that
  would heal by themselves once it is back.
* ``/readyz`` (readiness) runs every dependency check at once, each with a timeout, and
  answers 200 only when all pass; the body names each check's result.
* ``/metrics`` samples the bus's queue depths, then returns Prometheus's text format.

These paths are served on each service's own port, never through the public origin.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Literal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mythos_contracts.bus.port import Bus
from mythos_contracts.ops.metrics import BUS_QUEUE_DEPTH, CONTENT_TYPE, exposition

log = logging.getLogger(__name__)

# A check returns when its dependency answers and raises (or times out) otherwise.
Check = Callable[[], Awaitable[None]]
CHECK_TIMEOUT_SECONDS = 2.0
QUEUE_DEPTH_TIMEOUT_SECONDS = 1.0


class CheckResult(BaseModel):
    ok: bool
    detail: str | None = None


class HealthReport(BaseModel):
    status: Literal["ok", "unavailable"]
    service: str
    checks: dict[str, CheckResult] = {}


async def run_checks(
    service: str, checks: Mapping[str, Check], *, timeout: float = CHECK_TIMEOUT_SECONDS
) -> HealthReport:
    names = list(checks)
    results = await asyncio.gather(*(_probe(name, checks[name], timeout) for name in names))
    ok = all(result.ok for result in results)
    return HealthReport(
        status="ok" if ok else "unavailable",
        service=service,
        checks=dict(zip(names, results, strict=True)),
    )


async def _probe(name: str, check: Check, timeout: float) -> CheckResult:
    try:
        await asyncio.wait_for(check(), timeout)
    except TimeoutError:
        log.warning("readiness check %s timed out after %.1fs", name, timeout)
        return CheckResult(ok=False, detail=f"no answer within {timeout:g}s")
    except Exception as exc:
        log.warning("readiness check %s failed: %s", name, type(exc).__name__)
        # The type only: messages can hold URLs and other details that are not for clients.
        return CheckResult(ok=False, detail=type(exc).__name__)
    return CheckResult(ok=True)


def ops_routes(
    service: str,
    readiness: Mapping[str, Check],
    *,
    bus: Bus | None = None,
    fatal: Callable[[], str | None] = lambda: None,
) -> list[Route]:
    """The three routes, to add to a service's own (internal) app.

    ``fatal`` returns why the process cannot recover by itself (liveness fails), or None.
    """

    async def healthz(request: Request) -> Response:
        reason = fatal()
        report = HealthReport(
            status="ok" if reason is None else "unavailable",
            service=service,
            checks={"process": CheckResult(ok=reason is None, detail=reason)},
        )
        return _json(report)

    async def readyz(request: Request) -> Response:
        return _json(await run_checks(service, readiness))

    async def metrics(request: Request) -> Response:
        if bus is not None:
            await sample_queue_depths(bus)
        return Response(exposition(), media_type=CONTENT_TYPE)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]


async def sample_queue_depths(bus: Bus) -> None:
    try:
        depths = await asyncio.wait_for(bus.queue_depths(), QUEUE_DEPTH_TIMEOUT_SECONDS)
    except Exception as exc:  # a broker outage must not fail the scrape of everything else
        log.debug("queue depths unavailable: %r", exc)
        return
    for queue, depth in depths.items():
        BUS_QUEUE_DEPTH.labels(queue).set(depth)


def _json(report: HealthReport) -> Response:
    return JSONResponse(
        report.model_dump(exclude_none=True),
        status_code=200 if report.status == "ok" else 503,
        headers={"Cache-Control": "no-store"},
    )
