"""Chat history use cases: keep a line, answer the game's request for the recent ones."""

from __future__ import annotations

import asyncio
import logging

from mythos_contracts.persistence import (
    ChatHistoryReply,
    ChatLine,
    LoadChatHistoryRequest,
    PersistenceError,
)

from mythos_persistence.service_layer.handlers import DEFAULT_BACKOFF, Sleep
from mythos_persistence.service_layer.ports import ChatStore, StoreUnavailable
from mythos_persistence.service_layer.retry import Backoff

log = logging.getLogger(__name__)


async def handle_chat_history(
    store: ChatStore, request: LoadChatHistoryRequest
) -> ChatHistoryReply | PersistenceError:
    """Never raises for a database problem: the game is waiting (briefly) on a reply."""
    try:
        lines = await store.recent(request.limit, request.scopes)
    except StoreUnavailable as exc:
        log.warning("chat_history: database unavailable (%s)", exc)
        return PersistenceError(error=f"database unavailable, try again later: {exc}")
    except Exception as exc:
        log.exception("chat_history failed")
        return PersistenceError(error=f"chat_history failed: {type(exc).__name__}")
    return ChatHistoryReply(lines=lines)


async def handle_chat_save(
    store: ChatStore,
    line: ChatLine,
    *,
    backoff: Backoff = DEFAULT_BACKOFF,
    sleep: Sleep = asyncio.sleep,
) -> bool:
    """Keep ``line``; True when it was new. Waits out a database outage (the line stays
    safely in the durable queue meanwhile), as player saves do."""
    delays = backoff.delays()
    while True:
        try:
            added = await store.add_line(line)
        except StoreUnavailable as exc:
            delay = next(delays)
            log.warning(
                "save of chat line %s failed (database unavailable: %s); retrying in %.1fs",
                line.line_id,
                exc,
                delay,
            )
            await sleep(delay)
            continue
        if not added:
            log.info("chat line %s ignored: already kept", line.line_id)
        return added
