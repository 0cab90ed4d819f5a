"""The journal suites' backends (``test_journal_contract*.py``): journals opened on one
log, the in-process one or a RabbitMQ stream, as if each were another process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from mythos_contracts.bus.amqp_journal import AmqpJournal
from mythos_contracts.bus.journal import Journal, MemoryJournal
from mythos_contracts.bus.journal_batch import BatchingJournal

JOURNAL = "mythos.test.journal"


@asynccontextmanager
async def journals_on_one_log(
    request: pytest.FixtureRequest, *, batched: bool = False
) -> AsyncIterator[Callable[[], Journal]]:
    """Opens journals on one log: on RabbitMQ when ``request.param`` ends in ``amqp``
    (the stream ``JOURNAL``), else in process; ``batched``: each through a
    ``BatchingJournal`` as the game has it (one batch in flight, the next held). Every
    journal opened is closed on leaving."""
    opened: list[Journal] = []
    if request.param.endswith("amqp"):
        url = request.getfixturevalue("amqp_url")

        def make() -> Journal:
            return AmqpJournal(url, JOURNAL, max_age_seconds=60, timeout=10.0)
    else:
        shared = MemoryJournal()

        def make() -> Journal:
            return shared

    def opener() -> Journal:
        journal: Journal = BatchingJournal(make(), in_flight=1) if batched else make()
        opened.append(journal)
        return journal

    yield opener
    for journal in opened:
        await journal.close()
