"""How a journal record's messages (its outbox) are published: in order, runs of plain
messages to one exchange pipelined together (``stream_journal``), and again by a game
continuing from the journal (``journal_start``)."""

from __future__ import annotations

from collections.abc import Awaitable, Coroutine, Sequence
from typing import Any

from mythos_contracts.bus import Bus

from mythos_game.service_layer.journal_records import OutboxEntry


def sends(bus: Bus, outbox: Sequence[OutboxEntry]) -> list[Coroutine[Any, Any, None]]:
    """The publishes of ``outbox``, in order: runs of plain messages to one exchange go
    together (pipelined, their confirms awaited together), the others one by one."""
    out: list[Coroutine[Any, Any, None]] = []
    run: list[OutboxEntry] = []

    def end_run() -> None:
        if run:
            first = run[0]
            messages = [(e.key, e.body) for e in run]
            out.append(bus.publish_many(first.exchange, messages, persistent=first.persistent))
            run.clear()

    for entry in outbox:
        plain = entry.correlation_id is None and entry.reply_to is None
        if plain and (
            not run or (run[0].exchange, run[0].persistent) == (entry.exchange, entry.persistent)
        ):
            run.append(entry)
            continue
        end_run()
        if plain:
            run.append(entry)
            continue
        out.append(
            bus.publish(
                entry.exchange,
                entry.key,
                entry.body,
                persistent=entry.persistent,
                correlation_id=entry.correlation_id,
                reply_to=entry.reply_to,
            )
        )
    end_run()
    return out


async def in_turn(publishes: Sequence[Awaitable[None]]) -> None:
    """Each publish once the one before it is confirmed."""
    for publishing in publishes:
        await publishing


async def publish(bus: Bus, outbox: Sequence[OutboxEntry]) -> None:
    await in_turn(sends(bus, outbox))


async def republish(bus: Bus, outbox: Sequence[OutboxEntry]) -> None:
    """Publish again what the last records of a previous game held."""
    await publish(bus, outbox)
