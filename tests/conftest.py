"""Black-box harness: starts the whole system the way ``make run`` does and talks to
it only through its public origin (HTTP and WebSocket), as a real client would."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

REPO = Path(__file__).resolve().parents[1]
# Each black-box test's system log, at the same path run after run (gitignored with .data/).
TEST_LOGS = REPO / ".data" / "test-logs"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A black-box test needs RabbitMQ and PostgreSQL unless it is parametrized with
    ``mode="embedded"``: mark the others ``services`` (``make test-fast`` leaves them out)."""
    for item in items:
        if not {"start_system", "shared_system"} & set(getattr(item, "fixturenames", ())):
            continue
        callspec = getattr(item, "callspec", None)
        if callspec is None or callspec.params.get("mode") != "embedded":
            item.add_marker(pytest.mark.services)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """After the failures, where each failed test's system log is (just above the summary)."""
    shown = [
        (report.nodeid, str(value))
        for kind in ("failed", "error")
        for report in terminalreporter.stats.get(kind, [])
        for name, value in getattr(report, "user_properties", ())
        if name == "system_log"
    ]
    if shown:
        terminalreporter.section("system logs of the failed tests")
        for nodeid, path in dict.fromkeys(shown):
            terminalreporter.write_line(f"{nodeid}: {path}")


def _shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _log_path(item: pytest.Item, index: int) -> Path:
    name = "".join(c if c.isalnum() or c in "._-" else "-" for c in item.name).strip("-")
    suffix = f"-{index + 1}" if index else ""
    return TEST_LOGS / item.path.stem / f"{name}{suffix}.log"


def _port_range() -> tuple[int, int]:
    """Where this process looks for ports: below Linux's ephemeral range (32768-60999),
    since a port found free there can be taken by any outgoing connection before the
    system binds it. Under pytest-xdist each worker gets a slice of its own: a block is
    free only when checked, so two workers starting systems at once must never pick
    overlapping blocks."""
    low, high = 20000, 32768
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1, ...
    if count > 1 and worker.startswith("gw"):
        share = (high - low) // count
        low += int(worker[2:]) * share
        high = low + share
    return low, high


def _free_port_block(size: int) -> int:
    low, high = _port_range()
    for _ in range(200):
        base = low + uuid.uuid4().int % (high - low - size)
        sockets = []
        try:
            for port in range(base, base + size):
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                sockets.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free block of ports")


@dataclass
class System:
    """One run of ``python -m mythos_local`` (what ``make run`` starts)."""

    mode: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    url: str = ""

    def start(self, timeout: float = 120.0) -> None:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mythos_local"],
            cwd=REPO,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"system exited early ({self.log_path}):\n{self._tail()}")
            if b"Mythos is running" in self.log_path.read_bytes()[offset:]:
                return
            time.sleep(0.2)
        raise RuntimeError(f"system did not start ({self.log_path}):\n{self._tail()}")

    def _tail(self) -> str:
        return "\n".join(self.log_text().splitlines()[-20:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # what Ctrl-C sends
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    async def shut_down(self) -> None:
        """``stop`` for a coroutine: the test's event loop runs on meanwhile, so its
        clients answer the system's closing handshake (1012) as real ones would. A loop
        blocked in ``stop`` answers nothing, and the edge waits its close timeout (10 s)."""
        await asyncio.to_thread(self.stop)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def problems(self, limit: int = 10) -> list[str]:
        """The last warnings and errors the services logged, one short line each."""
        return [
            f"{r['service']} {r['level']}: {r.get('msg', '')}"[:300]
            for r in self.log_lines()
            if r.get("level") in ("warning", "error", "critical")
        ][-limit:]

    def log_lines(self) -> list[dict[str, Any]]:
        """The services' JSON log lines (the launcher's and Caddy's own are left out)."""
        lines = []
        for line in self.log_text().splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    record = json.loads(line)
                    if isinstance(record, dict) and "service" in record:
                        lines.append(record)
        return lines

    def pid(self, service: str) -> int:
        """Current pid of one service (``auth``, ``game``, ``persistence``, ``edge-1``...)."""
        pids = json.loads((Path(self.env["MYTHOS_DATA_DIR"]) / "processes.json").read_text())
        return int(pids[service])

    def signal(self, service: str, sig: int) -> int:
        pid = self.pid(service)
        os.kill(pid, sig)
        return pid

    async def wait_restarted(self, service: str, old_pid: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.pid(service) != old_pid:
                    return
            except (OSError, ValueError, KeyError):
                pass
            await asyncio.sleep(0.2)
        raise AssertionError(f"{service} was not restarted within {timeout}s")


def _launch(
    request: pytest.FixtureRequest,
    data_dir: Path,
    log_path: Path,
    mode: str,
    edges: int,
    extra_env: dict[str, str],
) -> tuple[System, Callable[[], None] | None]:
    """Start one system; returns it and what drops its vhost and databases (distributed)."""
    if mode == "distributed":
        request.getfixturevalue("rabbitmq")
        request.getfixturevalue("postgres")
    run_id = f"mythos_bb_{uuid.uuid4().hex[:10]}"
    # The public port, then the internal ones (mythos_local's settings.port/game_port).
    port = _free_port_block(32)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.unlink(missing_ok=True)  # this run's log only
    env = {
        # The harness reads the services' JSON lines, whatever the terminal or the caller
        # asked for ("auto" would choose JSON here anyway: the output is a file).
        "MYTHOS_LOG_FORMAT": "json",
        "MYTHOS_MODE": mode,
        "MYTHOS_PORT": str(port),
        "MYTHOS_INTERNAL_PORT_BASE": str(port + 1),
        "MYTHOS_EDGES": str(edges),
        "MYTHOS_VHOST": run_id,
        "MYTHOS_DB_PREFIX": run_id,
        "MYTHOS_DATA_DIR": str(data_dir / run_id),
        **extra_env,
    }
    system = System(mode, env, log_path, url=f"http://127.0.0.1:{port}")
    cleanup = (lambda: _drop(run_id)) if mode == "distributed" else None
    try:
        system.start()
    except BaseException:
        _retire(system, cleanup)
        raise
    return system, cleanup


def _retire(system: System, cleanup: Callable[[], None] | None) -> None:
    system.stop()
    # Shown only if a test failed: where the whole log is, and what went wrong in it.
    print(f"--- {system.mode} system log: {_shown_path(system.log_path)} ---")
    print("\n".join(system.problems()) or "(no warnings or errors)")
    if cleanup is not None:
        cleanup()


def _note_log(node: pytest.Item, log_path: Path) -> None:
    # Reports carry it to the summary (from a worker process too, under pytest-xdist).
    node.user_properties.append(("system_log", _shown_path(log_path)))


@pytest.fixture
async def start_system(
    tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Callable[..., System]]:
    """Factory: ``start_system(mode, edges=1)``; every system is stopped and its vhost and
    databases dropped afterwards, with the test's event loop running (``System.shut_down``):
    the test's clients still connected there answer the system's 1012 at once."""
    started: list[tuple[System, Callable[[], None] | None]] = []

    def start(mode: str, edges: int = 1, **extra_env: str) -> System:
        log_path = _log_path(request.node, len(started))
        _note_log(request.node, log_path)
        system, cleanup = _launch(request, tmp_path, log_path, mode, edges, extra_env)
        started.append((system, cleanup))
        return system

    yield start
    for system, cleanup in started:
        await system.shut_down()
        await asyncio.to_thread(_retire, system, cleanup)


@pytest.fixture(scope="module")
def _module_system(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Callable[[pytest.Item, str, int, dict[str, str]], System]]:
    """One live system per module, kept while the tests ask for the same one."""
    live: list[tuple[tuple[object, ...], System, Callable[[], None] | None]] = []
    stem = Path(str(request.node.path)).stem

    def get(node: pytest.Item, mode: str, edges: int, extra_env: dict[str, str]) -> System:
        key = (mode, edges, tuple(sorted(extra_env.items())))
        if live and live[0][0] == key:
            return live[0][1]
        if live:  # another configuration now: this one is done with
            _retire(*live.pop()[1:])
        name = "".join(c if c.isalnum() or c in "._-" else "-" for c in node.name).strip("-")
        log_path = TEST_LOGS / stem / f"shared-from-{name}.log"
        system, cleanup = _launch(
            request, tmp_path_factory.mktemp("shared"), log_path, mode, edges, extra_env
        )
        live.append((key, system, cleanup))
        return system

    yield get
    if live:
        _retire(*live.pop()[1:])


@pytest.fixture
def shared_system(
    _module_system: Callable[[pytest.Item, str, int, dict[str, str]], System],
    request: pytest.FixtureRequest,
) -> Callable[..., System]:
    """Factory like ``start_system``, but the system is shared by the module's tests that
    ask for the same configuration one after another (it is stopped at the first that
    asks for another, or at the module's end). Only for tests that cannot disturb each
    other there: unique player names, no restarts or kills, nothing asserted about the
    whole system's state or about chat history a previous test could have left."""

    def get(mode: str, edges: int = 1, **extra_env: str) -> System:
        system = _module_system(request.node, mode, edges, extra_env)
        _note_log(request.node, system.log_path)
        return system

    return get


def _drop(run_id: str) -> None:
    from mythos_local.provisioning import delete_vhost, drop_database

    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

    async def drop() -> None:
        await delete_vhost(run_id)
        for suffix in ("game", "auth"):
            await drop_database(server, f"{run_id}_{suffix}")

    asyncio.run(drop())


@dataclass
class Player:
    """A WebSocket client that records its whole stream."""

    name: str
    token: str
    refresh_token: str = ""
    ws: Any = None
    received: list[dict[str, Any]] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: int | None = None

    async def connect(self, base_url: str) -> None:
        url = base_url.replace("http://", "ws://") + "/api/ws"
        self.ws = await websockets.connect(url, subprotocols=["bearer", self.token])
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self.received.append(json.loads(raw))
                self._arrived.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self._arrived.set()

    async def send_raw(self, text: str) -> None:
        await self.ws.send(text)

    async def send(self, command: str, *args: str) -> str:
        command_id = str(uuid.uuid4())
        await self.send_raw(
            json.dumps(
                {
                    "command": command,
                    "args": list(args),
                    "timestamp": "2026-01-01T00:00:00Z",
                    "command_id": command_id,
                }
            )
        )
        return command_id

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0, what: str = ""
    ) -> dict[str, Any]:
        seen = 0
        async with asyncio.timeout(timeout):
            while True:
                for message in self.received[seen:]:
                    if predicate(message):
                        return message
                seen = len(self.received)
                if self.close_code is not None:
                    raise AssertionError(f"{self.name}: closed ({self.close_code}) before {what}")
                self._arrived.clear()
                await self._arrived.wait()

    async def event(self, event_type: str, **data: Any) -> dict[str, Any]:
        def match(m: dict[str, Any]) -> bool:
            return m["event_type"] == event_type and all(
                m["data"].get(k) == v for k, v in data.items()
            )

        return await self.wait_for(match, what=f"{event_type} {data}")

    async def response(self, command_id: str) -> dict[str, Any]:
        message = await self.event("command_response", command_id=command_id)
        return message["data"]

    async def run(self, command: str, *args: str) -> dict[str, Any]:
        return await self.response(await self.send(command, *args))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await self._reader

    def sequence_numbers(self) -> list[int]:
        return [m["sequence_number"] for m in self.received]


async def register_and_login(base_url: str, name: str, password: str = "correct horse") -> Player:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        created = await http.post("/auth/register", json={"username": name, "password": password})
        assert created.status_code == 201, created.text
        login = await http.post("/auth/login", json={"username": name, "password": password})
        assert login.status_code == 200, login.text
        return Player(name, login.json()["access_token"], login.json()["refresh_token"])


async def login(base_url: str, name: str, password: str = "correct horse") -> Player:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        response = await http.post("/auth/login", json={"username": name, "password": password})
        assert response.status_code == 200, response.text
        body = response.json()
        return Player(name, body["access_token"], body["refresh_token"])


@pytest.fixture
def players() -> Any:
    """The helpers above, for the test modules (importlib mode keeps tests/ off sys.path)."""

    class Helpers:
        register_and_login = staticmethod(register_and_login)
        login = staticmethod(login)

    return Helpers
