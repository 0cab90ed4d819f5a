"""What the bench's tests on the real stack need: root, to start the run's own RabbitMQ
node and PostgreSQL cluster as ``make bench`` does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def own_servers() -> None:
    """Skips (loudly; fails under ``REQUIRE_SERVICES=1``) where the bench cannot start
    its own servers."""
    server = os.environ.get("MYTHOS_BENCH_RABBITMQ_SERVER", "/usr/lib/rabbitmq/bin/rabbitmq-server")
    if not Path(server).exists() or os.geteuid() != 0:
        why = "the bench starts its own RabbitMQ (rabbitmq-server) and PostgreSQL as root"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {why}", pytrace=False)
        pytest.skip(f"SKIPPED LOUDLY: {why}")
