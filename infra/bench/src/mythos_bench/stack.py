"""The distributed stack of one benchmark run, started as ``make run`` starts it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mythos_bench.placement import launch_prefix
from mythos_bench.servers import OwnServers, free_block

# What the benchmark changes from the defaults: it measures throughput, not the limits.
BENCH_TUNING = {
    # Idle benchmark clients do not ping; the point is to hold them.
    "EDGE_IDLE_TIMEOUT_SECONDS": "86400",
    # Every benchmark client comes from 127.0.0.1: lift the per-address cap.
    "EDGE_MAX_CONNECTIONS_PER_IP": "0",
    "EDGE_COMMANDS_PER_SECOND": "1000000",
    "EDGE_COMMAND_BURST": "1000000",
    "GAME_EDGE_TIMEOUT_SECONDS": "120",
}


class Stack:
    def __init__(
        self,
        repo: Path,
        *,
        edges: int,
        rooms: int,
        cpus: set[int] | None,
        name: str = "bench",
        tuning: Mapping[str, str] = BENCH_TUNING,
        own_servers: bool = True,
        scheduling: str = "normal",
    ) -> None:
        """``cpus``: where every process of the stack runs, set before it starts (its
        children inherit it), so runtimes size themselves for those cores; None: any.
        ``name`` goes into the run's vhost, databases and data folder; ``tuning``: the
        settings that differ from the services' defaults. ``own_servers``: the stack
        starts its own RabbitMQ and PostgreSQL (``mythos_bench.servers``), on ``cpus``
        too, and deletes them at stop; without, it uses the machine's (``AMQP_URL``,
        ``DATABASE_URL``) and drops its vhost and databases there at stop. ``scheduling``:
        the kernel policy every process of the stack starts under (``placement``)."""
        self.repo = repo
        self.cpus = cpus
        self.scheduling = scheduling
        self.edges = edges
        self.run_id = f"mythos_{name}_{uuid.uuid4().hex[:8]}"
        self.port = free_block(32)  # the public port, then mythos_local's internal ones
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"mythos-{name}-"))
        self.servers = (
            OwnServers(self.data_dir / "servers", cpus, scheduling) if own_servers else None
        )
        self.env = {
            "MYTHOS_MODE": "distributed",
            # The services write straight to stack.log: no launcher rendering lines in the
            # measurement, whatever the developer's shell asks for.
            "MYTHOS_LOG_FORMAT": "json",
            "MYTHOS_PORT": str(self.port),
            "MYTHOS_INTERNAL_PORT_BASE": str(self.port + 1),
            "MYTHOS_EDGES": str(edges),
            "MYTHOS_VHOST": self.run_id,
            "MYTHOS_DB_PREFIX": self.run_id,
            "MYTHOS_DATA_DIR": str(self.data_dir),
            "MYTHOS_WORLD": "bench",
            "MYTHOS_BENCH_ROOMS": str(rooms),
            # Armed, off: the profiled repeat turns the edge's and the game's on and off
            # (mythos_bench.python_oncpu).
            "MYTHOS_CPU_PROFILE_DIR": str(self.cpu_profiles),
            **tuning,
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def cpu_profiles(self) -> Path:
        """Where the services write their on-CPU profiles."""
        return self.data_dir / "cpu-profiles"

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def public_ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/ws"

    @property
    def edge_ws(self) -> str:
        return f"ws://127.0.0.1:{self.port + 1 + 3}/api/ws"

    @property
    def key_file(self) -> Path:
        return self.data_dir / f"{self.run_id}_auth_ed25519.pem"

    def start(self) -> None:
        """Starts the servers, then the stack; call ``stop`` even when this fails."""
        if self.servers is not None:
            self.servers.start()
            self.env.update(self.servers.stack_env())
            # Which processes are the broker's and the database's (processes.py).
            (self.data_dir / "servers.json").write_text(json.dumps(self.servers.roots()))
        log = (self.data_dir / "stack.log").open("ab")
        self.process = subprocess.Popen(
            [*launch_prefix(self.cpus, self.scheduling), sys.executable, "-m", "mythos_local"],
            cwd=self.repo,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 180
        while b"Mythos is running" not in (self.data_dir / "stack.log").read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((self.data_dir / "stack.log").read_text()[-3000:])
            time.sleep(0.2)
        print(f"stack up at {self.public_url} (log: {self.data_dir / 'stack.log'})", flush=True)

    @property
    def internal_base(self) -> int:
        return int(self.env["MYTHOS_INTERNAL_PORT_BASE"])

    def stop(self) -> None:
        try:
            if self.process is not None and self.process.poll() is None:
                self.process.send_signal(signal.SIGINT)
                try:
                    self.process.wait(60)
                except subprocess.TimeoutExpired:
                    self.process.kill()
        finally:  # a second Ctrl-C while the stack stops still stops the servers
            if self.servers is not None:
                self.servers.stop()  # their vhost and databases go with them
        if self.servers is not None:
            return
        # Called from inside the harness's event loop: drop on a private loop.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(lambda: asyncio.run(self._drop())).result()

    async def _drop(self) -> None:
        from mythos_local.provisioning import delete_vhost, drop_database

        server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        await delete_vhost(self.run_id)
        for suffix in ("game", "auth"):
            await drop_database(server, f"{self.run_id}_{suffix}")
