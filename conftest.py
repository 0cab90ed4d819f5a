"""Test fixtures for the real RabbitMQ and PostgreSQL, shared by every test folder, and
one for a service that refuses its settings.

Each test run gets its own RabbitMQ vhost and its own databases, created here and
dropped afterwards, so runs never see each other's queues or rows. When a service
is unreachable the tests that need it skip with a loud reason, except under
``REQUIRE_SERVICES=1``, where they fail.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from mythos_local.provisioning import (
    amqp_problem,
    delete_vhost,
    drop_database,
    ensure_database,
    ensure_vhost,
    postgres_problem,
)
from mythos_local.provisioning import (
    database_url as database_url_on,
)

# No property test has a per-example time limit: tests never assert wall-clock time,
# and on a loaded two-core machine one example of a fast test can take 250 ms.
hypothesis_settings.register_profile("mythos", deadline=None)
hypothesis_settings.load_profile("mythos")

AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``services`` every test that asks for RabbitMQ or PostgreSQL through these
    fixtures, so ``make test-fast`` (``-m "not services"``) runs exactly what needs
    neither. Fixtures that choose a backend by parameter mark that parameter instead.
    Then put the longest files first (see ``_longest_first``)."""
    for item in items:
        if {"rabbitmq", "postgres"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.services)
    items[:] = _longest_first(items)


# A test that starts a whole system (tests/conftest.py) takes tens of seconds, a chaos
# run over a minute; most others take well under one.
_SYSTEM_FIXTURES = {"start_system", "shared_system"}


def _longest_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """The files whose tests start whole systems first, most such tests first, then the
    rest in their order. pytest-xdist's ``--dist loadfile`` hands a worker one file at a
    time in this order (the Makefile turns off its own reordering by test count, which
    put these few-test, long files last): the short files then fill in the end of the
    run on every worker, instead of one long file running on while the others idle."""
    weight: dict[str, int] = {}
    for item in items:
        path = str(item.path)
        starts = bool(_SYSTEM_FIXTURES & set(getattr(item, "fixturenames", ())))
        weight[path] = weight.get(path, 0) + starts
    order = {path: rank for rank, path in enumerate(weight)}
    return sorted(items, key=lambda item: (-weight[str(item.path)], order[str(item.path)]))


def _unavailable(what: str, why: str) -> None:
    message = f"{what} is unavailable ({why}); start it or see README 'Tests'"
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {message}", pytrace=False)
    pytest.skip(f"SKIPPED LOUDLY: {message}")


@pytest.fixture(scope="session")
def rabbitmq() -> None:
    """Fails or skips (see module doc) unless RabbitMQ answers and rabbitmqctl can make vhosts."""
    problem = _run_isolated(lambda: amqp_problem(AMQP_URL))
    if problem:
        _unavailable("RabbitMQ", problem)
    if shutil.which("rabbitmqctl") is None:
        _unavailable("RabbitMQ vhost administration", "rabbitmqctl is not on PATH")


@pytest.fixture(scope="session")
def postgres() -> None:
    problem = _run_isolated(lambda: postgres_problem(POSTGRES_URL))
    if problem:
        _unavailable("PostgreSQL", problem)


@pytest.fixture
def make_vhost(rabbitmq: None) -> Iterator[Callable[[], str]]:
    """Factory of fresh vhosts; returns an AMQP URL on each. All are deleted afterwards."""
    made: list[str] = []

    def make() -> str:
        vhost = f"mythos_test_{uuid.uuid4().hex[:12]}"
        made.append(vhost)
        return str(_run_isolated(lambda: ensure_vhost(AMQP_URL, vhost)))

    yield make
    for vhost in made:
        _run_isolated(lambda vhost=vhost: delete_vhost(vhost))


@pytest.fixture
def amqp_url(make_vhost: Callable[[], str]) -> str:
    """An AMQP URL on a vhost of this test's own."""
    return make_vhost()


def _run_isolated(coro_factory: Callable[[], object]) -> object:
    """Run a coroutine to completion on a private loop, even from inside a running one."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coro_factory())).result()  # type: ignore[arg-type]


@pytest.fixture
def make_database(postgres: None) -> Iterator[Callable[[], str]]:
    """Factory of fresh PostgreSQL databases; returns a SQLAlchemy asyncpg URL on each."""
    made: list[str] = []

    def make() -> str:
        name = f"mythos_test_{uuid.uuid4().hex[:12]}"
        _run_isolated(lambda: ensure_database(POSTGRES_URL, name))
        made.append(name)
        return database_url_on(POSTGRES_URL, name)

    yield make
    for name in made:
        _run_isolated(lambda name=name: drop_database(POSTGRES_URL, name))


@pytest.fixture
def database_url(make_database: Callable[[], str]) -> str:
    """A SQLAlchemy asyncpg URL of a database of this test's own."""
    return make_database()


# Every service's settings: its prefix, and the shared names (mythos_contracts.settings).
_SETTINGS_NAMES = ("AUTH_", "EDGE_", "GAME_", "PERSISTENCE_", "MYTHOS_", "AMQP_URL", "DATABASE_URL")


@pytest.fixture
def refused_start(tmp_path: Path) -> Callable[..., str]:
    """``refused_start("mythos_game", GAME_ENVIRONMENT="production", ...)`` runs the
    service's entry point in an empty folder with only those settings (none of the
    services' settings from this shell), checks that it refused to start the
    way every service does (exit status 2, one JSON error line, nothing written) and
    returns the line's message."""

    def run(module: str, **settings: str) -> str:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.upper().startswith(_SETTINGS_NAMES)
        }
        done = subprocess.run(
            [sys.executable, "-m", module],
            env=env | settings,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        [line] = [json.loads(text) for text in done.stdout.splitlines()]
        assert line["level"] == "error"
        assert list(tmp_path.iterdir()) == []  # no database, no key, no data folder
        return str(line["msg"])

    return run
