"""The run's own RabbitMQ node and PostgreSQL cluster.

Each stack of ``make bench`` starts both fresh, before the services, and stops them and
deletes their data when it stops (also on Ctrl-C or a failure, and at exit as a last
resort). Nothing of the machine's RabbitMQ (127.0.0.1:5672) or PostgreSQL
(127.0.0.1:5432) is used, pinned or counted, so a broker that has held every test's
queues all day cannot make one run dearer than the next.

- **Started pinned.** Each is started under ``taskset -c <server cpus>``, so the runtimes
  size themselves for those cores: the BEAM starts one scheduler (and one dirty CPU
  scheduler) per core it may use; nothing is changed at run time (``placement``).
- **RabbitMQ** (``rabbitmq-server``, as the ``rabbitmq`` user, whose Erlang cookie is the
  one ``rabbitmqctl`` uses when root runs it): node ``mythos-bench-<id>@localhost``, its
  own epmd, AMQP and Erlang distribution on 127.0.0.1, each on a free port; no plugin
  (the stack provisions with ``rabbitmqctl`` alone); RabbitMQ's busy-wait default,
  none for normal, dirty CPU and dirty I/O schedulers (``+sbwt none``, as the machine's
  node); the machine's ``/etc/rabbitmq`` is not read; and the deployment's
  ``additionalConfig`` from infra/k8s/base/rabbitmq.yaml, read from the manifest so the
  bench and the deployment cannot drift (the operator's own defaults are not copied).
- **PostgreSQL** (``initdb`` and ``postgres``, as the ``postgres`` user): trust on
  127.0.0.1, UTF8, locale C.UTF-8, a free port and a socket folder of its own, and
  PostgreSQL's defaults otherwise, as the machine's cluster has them; the Kubernetes
  manifests set no server parameter. ``initdb --no-sync``: the cluster lives one run.

Settings (environment):
- ``MYTHOS_BENCH_RABBITMQ_SERVER``: the server script
  (default ``/usr/lib/rabbitmq/bin/rabbitmq-server``).
- ``MYTHOS_BENCH_POSTGRES_BIN``: the folder of ``initdb``, ``postgres`` and ``pg_isready``
  (default: the newest ``/usr/lib/postgresql/<version>/bin``).
- ``MYTHOS_BENCH_SERVER_START_SECONDS``: how long each server may take to answer
  (default 120).
- ``MYTHOS_BENCH_KEEP_EPMD_MONITOR``: set (to anything) to keep RabbitMQ's epmd monitor
  running (``EPMD_MONITOR_NOTE``).
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mythos_bench.broker_config import (
    ENV_FILE,
    broker_cli_env,
    broker_server_env,
    write_broker_files,
)
from mythos_bench.placement import launch_prefix
from mythos_bench.processes import family

_LIVE: set[OwnServers] = set()
"""Servers started and not stopped yet: stopped at exit if nothing else did."""

KEEP_EPMD_MONITOR = "MYTHOS_BENCH_KEEP_EPMD_MONITOR"
EPMD_MONITOR_NOTE = (
    "RabbitMQ before rabbitmq-server#10457 (merged February 2024, in the 3.11 and 3.12 "
    "series' later releases and 3.13 on) checks every 60 s that epmd runs by booting a "
    "whole `erl` (a quarter of a "
    "second of CPU or more): on the one server core, a stall a saturated core takes "
    "seconds to drain. The fixed releases boot nothing while epmd answers; the run's "
    "node (this machine's 3.10.8) has its own epmd, started first, and its monitor "
    "stopped once it is up, so a run measures what a current broker costs"
)


def free_block(size: int) -> int:
    """The first of ``size`` consecutive ports free on 127.0.0.1."""
    for _ in range(200):
        # Below Linux's ephemeral range (32768-60999): a port found free there can be
        # taken by any outgoing connection before the system binds it.
        base = 20000 + uuid.uuid4().int % (32768 - 20000 - size)
        try:
            for port in range(base, base + size):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError("no free block of ports")


def postgres_bin() -> Path:
    if "MYTHOS_BENCH_POSTGRES_BIN" in os.environ:
        return Path(os.environ["MYTHOS_BENCH_POSTGRES_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not found:
        raise RuntimeError("no /usr/lib/postgresql/<version>/bin: set MYTHOS_BENCH_POSTGRES_BIN")
    return found[-1]


def _start_seconds() -> float:
    return float(os.environ.get("MYTHOS_BENCH_SERVER_START_SECONDS", "120"))


def _tail(*logs: Path) -> str:
    return "\n".join(
        f"--- {log} ---\n{log.read_text(errors='replace')[-3000:]}" for log in logs if log.exists()
    )


class OwnServers:
    def __init__(self, root: Path, cpus: set[int] | None, scheduling: str = "normal") -> None:
        """``root``: their data (created, and deleted at stop); ``cpus``, ``scheduling``:
        where and how they run, set before they start (``placement.launch_prefix``)."""
        self.root = root
        self.cpus = cpus
        self.scheduling = scheduling
        self.node = f"mythos-bench-{uuid.uuid4().hex[:8]}@localhost"
        base = free_block(4)
        self.amqp_port, self.dist_port, self.epmd_port, self.pg_port = range(base, base + 4)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.info: dict[str, Any] = {}
        """What the run records of them: versions, schedulers online, startup seconds."""

    @property
    def broker_dir(self) -> Path:
        return self.root / "rabbitmq"

    @property
    def pg_data(self) -> Path:
        return self.root / "postgresql" / "data"

    def stack_env(self) -> dict[str, str]:
        """What the stack (``mythos_local``) needs to use them: the broker's and the
        database server's URLs, and where its ``rabbitmqctl`` calls go."""
        return {
            "AMQP_URL": f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/",
            "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{self.pg_port}/postgres",
            **broker_cli_env(self.node, self.epmd_port, self.broker_dir / ENV_FILE),
        }

    def roots(self) -> dict[str, list[int]]:
        """Component -> the pids their processes descend from."""
        return {
            "rabbitmq": [
                self.processes[n].pid for n in ("epmd", "rabbitmq") if n in self.processes
            ],
            "postgresql": [self.processes["postgresql"].pid]
            if "postgresql" in self.processes
            else [],
        }

    def start(self) -> None:
        _LIVE.add(self)
        self.root.mkdir(parents=True)
        # The servers run as users of their own: they must get through the run's folder
        # (mkdtemp makes it 0700), not read it.
        self.root.parent.chmod(self.root.parent.stat().st_mode | 0o011)
        self.info = {"rabbitmq": self._start_broker(), "postgresql": self._start_postgres()}
        # Each process of theirs by pid, to show none outlives the run.
        self.info["processes"] = _names(
            [pid for roots in self.roots().values() for root in roots for pid in family(root)]
        )
        print(f"own servers up: {json.dumps(self.info)}", flush=True)

    def _spawn(self, name: str, argv: list[str], user: str, env: dict[str, str], log: Path) -> None:
        pinned = launch_prefix(self.cpus, self.scheduling)
        root = os.geteuid() == 0
        with log.open("ab") as out:
            self.processes[name] = subprocess.Popen(
                [*pinned, *argv],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=log.parent,
                # Its own session: a Ctrl-C to the bench does not reach it; stop() does.
                start_new_session=True,
                user=user if root else None,
                group=user if root else None,
                extra_groups=[] if root else None,
            )

    def _wait(self, name: str, ready: Callable[[], bool], logs: list[Path]) -> float:
        """Seconds from the server's start until ``ready()``; its logs' tail if it dies
        or does not answer in time."""
        process, started = self.processes[name], time.monotonic()
        deadline = started + _start_seconds()
        while not ready():
            if process.poll() is not None or time.monotonic() > deadline:
                state = "exited" if process.poll() is not None else "did not answer in time"
                raise RuntimeError(f"the run's own {name} {state}:\n{_tail(*logs)}")
            time.sleep(0.2)
        return time.monotonic() - started

    def _start_broker(self) -> dict[str, Any]:
        folder = self.broker_dir
        conf = write_broker_files(folder, self.amqp_port)
        _chown_tree(folder, "rabbitmq")
        env = {
            **os.environ,
            "HOME": "/var/lib/rabbitmq",  # its Erlang cookie, the CLI's when root runs it
            **broker_server_env(folder, self.node, self.dist_port, self.epmd_port),
        }
        epmd = ["epmd", "-port", str(self.epmd_port), "-address", "127.0.0.1"]
        self._spawn("epmd", epmd, "rabbitmq", env, folder / "epmd.log")
        self._wait("epmd", lambda: _answers(self.epmd_port), [folder / "epmd.log"])
        server = os.environ.get(
            "MYTHOS_BENCH_RABBITMQ_SERVER", "/usr/lib/rabbitmq/bin/rabbitmq-server"
        )
        self._spawn("rabbitmq", [server], "rabbitmq", env, folder / "stdout.log")
        logs = [folder / "stdout.log", folder / "log" / f"{self.node}.log"]

        def running() -> bool:
            return (
                _answers(self.amqp_port) and self._ctl("rabbitmq-diagnostics", "check_running")[0]
            )

        seconds = self._wait("rabbitmq", running, logs)
        # Sized by the start alone (no system_flag anywhere); and the quorum log's limit
        # as the node read it from its config, the manifest's.
        expression = (
            "{erlang:system_info(schedulers_online), "
            "erlang:system_info(dirty_cpu_schedulers_online), rabbit:product_version(), "
            "application:get_env(ra, wal_max_size_bytes, 0)}."
        )
        epmd_monitor = "kept" if os.environ.get(KEEP_EPMD_MONITOR) else self._stop_epmd_monitor()
        ok, answer = self._ctl("rabbitmqctl", "eval", expression)
        found = re.fullmatch(r'\{(\d+),(\d+),"([^"]*)",(\d+)\}', answer.strip())
        if not ok or found is None:
            raise RuntimeError(f"the run's own RabbitMQ did not say its schedulers: {answer}")
        return {
            "node": self.node,
            "version": found[3],
            "amqp_port": self.amqp_port,
            "schedulers_online": int(found[1]),
            "dirty_cpu_schedulers_online": int(found[2]),
            "wal_max_size_bytes": int(found[4]),
            "epmd_monitor": epmd_monitor,
            "startup_seconds": round(seconds, 2),
            "config": conf,
        }

    def _stop_epmd_monitor(self) -> str:
        """Stop the node's epmd monitor (``EPMD_MONITOR_NOTE``); what became of it."""
        ok, answer = self._ctl(
            "rabbitmqctl",
            "eval",
            "supervisor:terminate_child(rabbit_epmd_monitor_sup, rabbit_epmd_monitor).",
        )
        if not ok or answer.strip() != "ok":
            raise RuntimeError(f"could not stop the run's RabbitMQ epmd monitor: {answer}")
        return "stopped"

    def _ctl(self, tool: str, *args: str) -> tuple[bool, str]:
        """Runs a RabbitMQ CLI tool against the run's node; whether it succeeded, and
        what it said."""
        env = {
            **os.environ,
            **broker_cli_env(self.node, self.epmd_port, self.broker_dir / ENV_FILE),
        }
        done = subprocess.run(
            [tool, "-q", "-n", self.node, *args], env=env, capture_output=True, text=True
        )
        return done.returncode == 0, (done.stdout or done.stderr)

    def checkpoint(self) -> dict[str, Any]:
        """Runs a ``CHECKPOINT`` on the run's cluster: the pages the stack's setup dirtied
        (schema, accounts, players) are written now, as a long-running cluster would have
        written them long ago, not by the first timed checkpoint in the middle of a
        measurement. Returns the buffers it wrote and how long it took."""
        psql = [str(postgres_bin() / "psql"), "-h", "127.0.0.1", "-p", str(self.pg_port)]
        psql += ["-U", "postgres", "-At", "-c"]
        count = "SELECT buffers_checkpoint FROM pg_stat_bgwriter"
        started = time.monotonic()
        before = subprocess.run([*psql, count], capture_output=True, text=True, check=True)
        subprocess.run([*psql, "CHECKPOINT"], capture_output=True, text=True, check=True)
        after = subprocess.run([*psql, count], capture_output=True, text=True, check=True)
        return {
            "buffers_written": int(after.stdout) - int(before.stdout),
            "seconds": round(time.monotonic() - started, 2),
        }

    def _start_postgres(self) -> dict[str, Any]:
        folder, binaries = self.pg_data.parent, postgres_bin()
        sockets = folder / "socket"
        sockets.mkdir(parents=True)
        _chown_tree(folder, "postgres")
        env = {**os.environ, "HOME": str(folder), "LC_ALL": "C.UTF-8"}
        started = time.monotonic()
        initdb = [str(binaries / "initdb"), "-D", str(self.pg_data), "-U", "postgres"]
        initdb += ["-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]
        self._spawn("initdb", initdb, "postgres", env, folder / "initdb.log")
        failed = self.processes["initdb"].wait(_start_seconds())
        del self.processes["initdb"]
        if failed:
            raise RuntimeError(f"initdb failed:\n{_tail(folder / 'initdb.log')}")
        initdb_seconds = time.monotonic() - started
        server = [str(binaries / "postgres"), "-D", str(self.pg_data)]
        for setting in (
            "listen_addresses=127.0.0.1",
            f"port={self.pg_port}",
            f"unix_socket_directories={sockets}",
        ):
            server += ["-c", setting]
        self._spawn("postgresql", server, "postgres", env, folder / "server.log")
        ready = [str(binaries / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.pg_port)]
        seconds = self._wait(
            "postgresql", lambda: subprocess.run(ready).returncode == 0, [folder / "server.log"]
        )
        version = subprocess.run(
            [str(binaries / "postgres"), "--version"], capture_output=True, text=True
        ).stdout.split()[2]  # postgres (PostgreSQL) 15.20 (Debian ...)
        return {
            "version": version,
            "port": self.pg_port,
            "initdb_seconds": round(initdb_seconds, 2),
            "startup_seconds": round(seconds, 2),
        }

    def stop(self) -> None:
        """Stops each server (a clean shutdown, then SIGKILL to whatever of its session
        is left) and deletes their data. Safe to call twice."""
        # The database first: its last clients are gone; then the broker, then its epmd.
        for name, stop_signal in (
            ("postgresql", signal.SIGINT),  # PostgreSQL's fast shutdown
            ("initdb", signal.SIGTERM),
            ("rabbitmq", signal.SIGTERM),  # the script stops the node, which shuts down
            ("epmd", signal.SIGTERM),
        ):
            process = self.processes.pop(name, None)
            if process is None:
                continue
            if process.poll() is None:
                process.send_signal(stop_signal)
                try:
                    process.wait(60)
                except subprocess.TimeoutExpired:
                    pass
            try:
                os.killpg(process.pid, signal.SIGKILL)  # its session: children left behind
            except ProcessLookupError:
                pass
            process.wait()
        # A killed helper (the node's erl_child_setup) is reaped by init, not by us:
        # wait for it, so no stop returns with a process of the run's servers alive.
        _wait_gone([int(pid) for pid in self.info.get("processes", {})], STOP_WAIT_SECONDS)
        shutil.rmtree(self.root, ignore_errors=True)
        _LIVE.discard(self)


STOP_WAIT_SECONDS = 10.0
"""How long ``stop`` waits for the servers' processes to be gone after their SIGKILL."""


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie (dead, only waiting to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_gone(pids: list[int], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _names(pids: list[int]) -> dict[str, str]:
    """pid -> command name, of those still alive."""
    names = {}
    for pid in pids:
        try:
            names[str(pid)] = Path(f"/proc/{pid}/comm").read_text().strip()
        except FileNotFoundError:
            continue
    return names


def _chown_tree(folder: Path, user: str) -> None:
    if os.geteuid() != 0:
        return
    for path in (folder, *folder.rglob("*")):
        shutil.chown(path, user, user)


@atexit.register
def _stop_leftovers() -> None:
    for servers in list(_LIVE):
        servers.stop()
