"""One lifecycle for every service, the way a nameko service container runs its
services: each service declares what it is (a ``Service`` with its bus, its HTTP app
and its settings) and ``run_service`` does the rest, the same way for all four.

1. Read the settings once (``mythos_contracts.settings``); a bad value exits with the
   reasons, never the values (they may hold credentials).
2. Configure the log lines. Settings refused for production (``UnsafeSettings``) are one
   log line naming each problem and exit status 2, before anything else.
3. Connect the bus, waiting out a broker that is not up yet (a stop signal ends the
   wait).
4. ``service.start()``, freeze what it built out of the garbage collector's sight
   (``gc.freeze``), then serve its app (health, readiness, metrics and, for the
   edge and auth, the public routes).
5. On SIGTERM or SIGINT: ``service.drain()`` while the app still answers (``/readyz``
   turns 503 as the service stops being ready), bounded by the settings'
   ``shutdown_grace_seconds``; then the HTTP server stops, ``service.stop()`` releases
   what ``start`` took, and the bus closes, handing back whatever was not acked.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import uvicorn
import uvloop
from pydantic import ValidationError
from starlette.types import ASGIApp

from mythos_contracts.bus.port import Bus
from mythos_contracts.ops import cpu_profile
from mythos_contracts.ops.log_lines import configure_logging
from mythos_contracts.settings import ServiceSettings, UnsafeSettings

log = logging.getLogger(__name__)

BACKOFF_INITIAL_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 10.0


class Service(Protocol):
    """What a service is to the lifecycle."""

    async def start(self) -> None:
        """Take what the service needs (the bus is connected) and start its work."""

    async def drain(self) -> None:
        """Stop taking new work and finish the work in hand. Called once, on a stop
        signal, with the HTTP app still serving; bounded by the grace."""

    async def stop(self) -> None:
        """Release what ``start`` took. Called on every exit, after ``drain`` or alone
        (a failed start); must not fail when ``start`` did not finish."""


@dataclass
class Served:
    """The HTTP app a service serves on its own port."""

    app: ASGIApp
    host: str
    port: int
    uvicorn_options: dict[str, Any] = field(default_factory=dict)
    """Anything else for ``uvicorn.Config`` (WebSocket limits, proxy headers...)."""


@dataclass
class Plan:
    """A service, assembled from its settings: what ``run_service`` runs."""

    service: Service
    served: Served
    bus: Bus | None = None
    """Connected before ``service.start()`` and closed after ``service.stop()``."""


S = TypeVar("S", bound=ServiceSettings)


class ServeError(RuntimeError):
    """The HTTP server ended by itself (its port was taken, most likely)."""


def read_settings(name: str, load: Callable[[], S]) -> S:
    try:
        return load()
    except ValidationError as exc:
        unsafe = UnsafeSettings.within(exc)
        if unsafe is None:
            # Only the reasons: the input may hold credentials (broker or database URLs).
            sys.exit(f"{name}: bad settings: " + "; ".join(e["msg"] for e in exc.errors()))
        # Valid values, refused for production: a log line like any other, in the
        # format the refused settings ask for.
        refused = unsafe.settings
        configure_logging(name, level=refused.log_level, fmt=refused.log_format)
        log.error("%s", unsafe)
        sys.exit(2)


def run_service(
    name: str,
    load: Callable[[], S],
    assemble: Callable[[S], Plan],
    *,
    cannot_start: tuple[type[Exception], ...] = (),
) -> None:
    """Run one service until SIGTERM or SIGINT, as the module docstring says.

    ``cannot_start``: errors of ``assemble`` or ``service.start()`` that mean the service
    cannot run as configured (a broken world file): logged as one line, exit status 2,
    no traceback, like settings refused for production."""
    settings = read_settings(name, load)
    configure_logging(name, level=settings.log_level, fmt=settings.log_format)
    cpu_profile.arm(settings.cpu_profile_dir, name)
    refused: tuple[type[Exception], ...] = (ServeError, *cannot_start)
    try:
        plan = assemble(settings)
        uvloop.run(serve(plan, settings.shutdown_grace_seconds))
    except refused as exc:
        log.error("%s", exc)
        sys.exit(2)


class LifecycleServer(uvicorn.Server):
    """uvicorn handles SIGTERM itself and re-raises it once stopped, which would end the
    process before the drain. The lifecycle owns the signals; uvicorn only serves."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def serve_here(self, where: str) -> None:
        try:
            await self.serve()
        except SystemExit:  # uvicorn's answer to a port it cannot bind
            raise ServeError(f"could not serve on {where}") from None


async def connect(bus: Bus, stopping: asyncio.Event) -> bool:
    """Connect, retrying with capped backoff; False when asked to stop first."""
    delay = BACKOFF_INITIAL_SECONDS
    while not stopping.is_set():
        try:
            await bus.connect()
            return True
        except Exception as exc:
            log.warning("broker unavailable (%s); retrying in %.1fs", type(exc).__name__, delay)
            await bus.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), delay)
        delay = min(delay * 2, BACKOFF_MAX_SECONDS)
    return False


async def serve(
    plan: Plan,
    grace: float,
    *,
    signals: Sequence[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(sig: signal.Signals) -> None:
        if stopping.is_set():
            log.info("%s again: already stopping", sig.name)
            return
        log.info("%s: stopping gracefully", sig.name)
        stopping.set()

    for sig in signals:
        loop.add_signal_handler(sig, on_signal, sig)
    try:
        if plan.bus is not None and not await connect(plan.bus, stopping):
            return
        await _run(plan, grace, stopping)
    finally:
        if plan.bus is not None:
            await plan.bus.close()
        for sig in signals:
            loop.remove_signal_handler(sig)
    log.info("shutdown complete")


async def _run(plan: Plan, grace: float, stopping: asyncio.Event) -> None:
    served = plan.served
    server = LifecycleServer(
        uvicorn.Config(
            served.app,
            host=served.host,
            port=served.port,
            log_config=None,  # the contract's log lines, not uvicorn's own handlers
            # The service logs its own start and stop; uvicorn's INFO lines and access
            # lines (probes every few seconds) are noise unless a service asks for them.
            **{"log_level": "warning", "access_log": False, **served.uvicorn_options},
        )
    )
    try:
        await plan.service.start()
        # What start built (modules, the world, tables) lives as long as the process:
        # out of the collector's way, a full collection scans only what play creates.
        gc.freeze()
        where = f"{served.host}:{served.port}"
        serving = asyncio.create_task(server.serve_here(where), name="http server")
        stop_signal = asyncio.create_task(stopping.wait(), name="stop signal")
        await asyncio.wait({serving, stop_signal}, return_when=asyncio.FIRST_COMPLETED)
        stop_signal.cancel()
        if serving.done() and not stopping.is_set():
            await serving  # raises ServeError
            raise ServeError(f"stopped serving on {where}")
        if stopping.is_set():
            try:
                await asyncio.wait_for(plan.service.drain(), grace)
            except TimeoutError:
                log.warning("the drain took over %.1fs; stopping anyway", grace)
        server.should_exit = True
        await serving
    finally:
        await plan.service.stop()
