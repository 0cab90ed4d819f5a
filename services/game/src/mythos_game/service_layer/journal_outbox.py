"""How a journal record's messages (its outbox) are published: in order, runs of plain
messages to one exchange pipelined together (``stream_journal``; once the record is
queued, ``start_sends``), and again by a game continuing from the journal
(``journal_start``)."""

from __future__ import annotations

import asyncio
import contextvars
import functools
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


def start_sends(
    sending: Coroutine[Any, Any, None],
    messages: asyncio.Future[None],
    context: contextvars.Context,
) -> None:
    """A unit's messages sent, its record queued (a journal that held the record calls
    this once it is): ``messages`` settles with them."""
    task = asyncio.get_running_loop().create_task(sending, context=context)
    task.add_done_callback(functools.partial(_relay, messages))


def _relay(messages: asyncio.Future[None], task: asyncio.Task[None]) -> None:
    if messages.done():
        return
    if task.cancelled():
        messages.cancel()
    elif (error := task.exception()) is not None:
        messages.set_exception(error)
    else:
        messages.set_result(None)
