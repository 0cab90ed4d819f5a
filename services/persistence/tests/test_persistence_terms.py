"""Shard terms: each game that takes a shard over raises its term by one, stored before
the reply, on SQLite and PostgreSQL and over a bus."""

from __future__ import annotations

import asyncio
from typing import Any

from mythos_contracts.persistence import RaiseTermRequest, TermRaised
from mythos_contracts.routing import PERSISTENCE_EXCHANGE, RAISE_TERM_KEY
from mythos_persistence.adapters.handoff_store import SqlHandoffStore
from sqlalchemy.ext.asyncio import AsyncEngine


async def test_terms_start_at_one_and_rise_by_one_per_shard(engine: AsyncEngine) -> None:
    store = SqlHandoffStore(engine)
    assert [await store.raise_term("s1") for _ in range(3)] == [1, 2, 3]
    assert await store.raise_term("lobby") == 1
    # Another store on the same database (the next process) goes on from the stored term.
    assert await SqlHandoffStore(engine).raise_term("s1") == 4


async def test_games_raising_at_once_never_share_a_term(engine: AsyncEngine) -> None:
    store = SqlHandoffStore(engine)
    await store.migrate()
    terms = await asyncio.gather(*(SqlHandoffStore(engine).raise_term("s1") for _ in range(5)))
    assert sorted(terms) == [1, 2, 3, 4, 5]


async def test_a_term_is_raised_over_the_bus(backend: Any) -> None:
    service, _ = await backend.start_service()
    client = await backend.bus("game")
    try:
        body = RaiseTermRequest(shard="s1").model_dump_json().encode()
        replies = [
            TermRaised.model_validate_json(
                await client.request(PERSISTENCE_EXCHANGE, RAISE_TERM_KEY, body, timeout=30)
            )
            for _ in range(2)
        ]
    finally:
        await service.stop()
    assert replies == [TermRaised(shard="s1", term=1), TermRaised(shard="s1", term=2)]
