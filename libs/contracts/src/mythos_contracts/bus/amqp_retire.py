"""Deleting a queue the code no longer uses, without losing what may still be in it.

A durable queue outlives the code that declared it: its bindings keep routing copies of
messages into it, and nobody consumes them. ``delete_if_idle`` removes one only when
that is safe (empty, no consumer), and otherwise tells the caller how much waits in it.
RabbitMQ only: an in-process broker lives and dies with its process, so it never holds
a queue from an older release.
"""

from __future__ import annotations

from dataclasses import dataclass

import aio_pika
from aiormq.exceptions import ChannelNotFoundEntity, ChannelPreconditionFailed


@dataclass(frozen=True)
class QueueKept:
    """The queue still exists: it held messages or had a consumer."""

    messages: int
    consumers: int


async def delete_if_idle(url: str, name: str) -> QueueKept | None:
    """Delete the durable queue ``name`` if it exists, holds no message and has no
    consumer; return None when it no longer exists (deleted now, or never there), else
    what it holds. The broker checks both conditions itself at the delete (``if-empty``,
    ``if-unused``), so a message routed in between keeps the queue. Needs *configure*
    on ``name``; the existence check (a passive declare) needs no permission."""
    connection = await aio_pika.connect(url)
    try:
        # A failed passive declare or a refused delete closes its channel: one each.
        channel = await connection.channel()
        try:
            queue = await channel.declare_queue(name, passive=True)
        except ChannelNotFoundEntity:
            return None
        declared = queue.declaration_result
        kept = QueueKept(declared.message_count or 0, declared.consumer_count or 0)
        if kept.messages or kept.consumers:
            return kept
        channel = await connection.channel()
        try:
            await channel.queue_delete(name, if_unused=True, if_empty=True)
        except ChannelPreconditionFailed:
            return kept
        return None
    finally:
        await connection.close()
