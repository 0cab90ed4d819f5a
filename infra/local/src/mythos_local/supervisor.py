"""Starts child processes, waits for their health endpoints, stops them in order."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from mythos_local.console import MAX_LINE, Console

log = logging.getLogger("mythos.local")


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    health_url: str | None = None
    # On the console, this child's lines below this level are left out (None: the console's).
    threshold: int | None = None
    process: asyncio.subprocess.Process | None = None
    relay: asyncio.Task[None] | None = None


class StartupFailed(RuntimeError):
    """The system cannot start; the message says why, in one line, for the person."""


class Supervisor:
    """Like a pod's restart policy: a child that dies is started again after
    ``restart_delay``; one that keeps dying (``max_restarts`` within a minute) stops the run.
    The pids of the children are kept in ``pid_file`` for tools and tests. With a
    ``console``, the children's output is read and rendered there; without one, they
    write straight to the launcher's stdout."""

    def __init__(
        self,
        pid_file: Path,
        restart_delay: float = 1.0,
        max_restarts: int = 5,
        console: Console | None = None,
    ) -> None:
        self.children: list[Child] = []
        self._console = console
        self._pid_file = pid_file
        self._restart_delay = restart_delay
        self._max_restarts = max_restarts
        self._restarts: dict[str, list[float]] = {}

    async def start(self, child: Child) -> None:
        self.children.append(child)
        await self._spawn(child)

    async def _spawn(self, child: Child) -> None:
        piped = asyncio.subprocess.PIPE if self._console else None
        child.process = await asyncio.create_subprocess_exec(
            *child.argv,
            env={**os.environ, **child.env},
            # Own session: Ctrl-C reaches only the launcher, which stops children in order.
            start_new_session=True,
            stdout=piped,
            stderr=asyncio.subprocess.STDOUT if piped else None,
            limit=MAX_LINE,
        )
        if self._console is not None and child.process.stdout is not None:
            child.relay = asyncio.create_task(
                self._console.relay(child.name, child.process.stdout, child.threshold)
            )
        log.info("started %s (pid %d)", child.name, child.process.pid)
        self._write_pids()

    def _write_pids(self) -> None:
        pids = {c.name: c.process.pid for c in self.children if c.process is not None}
        self._pid_file.write_text(json.dumps(pids, indent=2))

    async def keep_running(self) -> None:
        """Restart children as they die; returns when one cannot be kept up."""
        while True:
            failed = await self.watch()
            assert failed.process is not None
            now = asyncio.get_running_loop().time()
            recent = [t for t in self._restarts.get(failed.name, []) if now - t < 60] + [now]
            self._restarts[failed.name] = recent
            if len(recent) > self._max_restarts:
                log.error("%s keeps dying; giving up", failed.name)
                return
            log.warning(
                "%s exited with code %s; restarting it in %.1fs",
                failed.name,
                failed.process.returncode,
                self._restart_delay,
            )
            await asyncio.sleep(self._restart_delay)
            await self._spawn(failed)

    async def wait_healthy(self, child: Child, timeout: float = 90.0) -> None:
        assert child.process is not None
        if child.health_url is None:
            return
        deadline = asyncio.get_running_loop().time() + timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                if child.process.returncode is not None:
                    raise StartupFailed(f"{child.name} exited with code {child.process.returncode}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(child.health_url)).status_code == 200:
                        return
                if asyncio.get_running_loop().time() > deadline:
                    raise StartupFailed(
                        f"{child.name} was not healthy at {child.health_url} in {timeout:.0f}s"
                    )
                await asyncio.sleep(0.2)

    async def watch(self) -> Child:
        """Returns the first child that exits."""
        waits = {
            asyncio.create_task(c.process.wait()): c for c in self.children if c.process is not None
        }
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        return waits[next(iter(done))]

    async def stop_all(self, grace: float = 10.0) -> None:
        for child in reversed(self.children):
            process = child.process
            if process is None or process.returncode is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                log.warning("%s did not stop in %.0fs; killing it", child.name, grace)
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        for child in self.children:
            if child.relay is not None:  # print what it said while stopping
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(child.relay, 2.0)
        self.children.clear()


def python_module(module: str) -> list[str]:
    return [sys.executable, "-m", module]
