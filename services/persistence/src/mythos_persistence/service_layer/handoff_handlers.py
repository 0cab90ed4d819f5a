"""Stream handoff use cases: a stopping game leaves its players' streams, the next takes
them; a game taking a shard over raises the shard's term."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from mythos_contracts.persistence import (
    HandoffReply,
    HandoffSaved,
    PersistenceError,
    RaiseTermRequest,
    SaveHandoffRequest,
    TakeHandoffRequest,
    TermRaised,
)

from mythos_persistence.service_layer.ports import HandoffStore, StoreUnavailable

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def handle_save_handoff(
    store: HandoffStore, request: SaveHandoffRequest, *, clock: Clock = _utc_now
) -> HandoffSaved | PersistenceError:
    """Store one part of a handoff. Never retries: the stopping game is waiting on the
    reply, and on an error it lets its players resync rather than delay its exit."""
    try:
        saved = await store.save(request.handoff_id, request.streams, clock())
    except StoreUnavailable as exc:
        log.warning("save_handoff %s: database unavailable (%s)", request.handoff_id, exc)
        return PersistenceError(error=f"database unavailable, try again later: {exc}")
    except Exception as exc:
        log.exception("save_handoff %s failed", request.handoff_id)
        return PersistenceError(error=f"save_handoff failed: {type(exc).__name__}")
    log.info("handoff %s: %d streams saved", request.handoff_id, saved)
    return HandoffSaved(saved=saved)


async def handle_take_handoff(
    store: HandoffStore, request: TakeHandoffRequest, *, clock: Clock = _utc_now
) -> HandoffReply | PersistenceError:
    """Up to ``limit`` streams handed off within ``max_age_seconds``; taking deletes them."""
    try:
        streams, more = await store.take(request.max_age_seconds, clock(), request.limit)
    except StoreUnavailable as exc:
        log.warning("take_handoff: database unavailable (%s)", exc)
        return PersistenceError(error=f"database unavailable, try again later: {exc}")
    except Exception as exc:
        log.exception("take_handoff failed")
        return PersistenceError(error=f"take_handoff failed: {type(exc).__name__}")
    log.info("%d handed-off streams taken%s", len(streams), " (more left)" if more else "")
    return HandoffReply(streams=streams, more=more)


async def handle_raise_term(
    store: HandoffStore, request: RaiseTermRequest
) -> TermRaised | PersistenceError:
    """The shard's next term, stored before the reply: no two games ever get the same."""
    try:
        term = await store.raise_term(request.shard)
    except StoreUnavailable as exc:
        log.warning("raise_term %s: database unavailable (%s)", request.shard, exc)
        return PersistenceError(error=f"database unavailable, try again later: {exc}")
    except Exception as exc:
        log.exception("raise_term %s failed", request.shard)
        return PersistenceError(error=f"raise_term failed: {type(exc).__name__}")
    log.info("shard %s: term %d", request.shard, term)
    return TermRaised(shard=request.shard, term=term)
