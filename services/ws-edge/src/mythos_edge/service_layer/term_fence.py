"""Term fencing: envelopes of a shard's older owner are dropped (docs/design/shards.md §8.4).

Each game that takes a shard over raises the shard's term, and stamps it on every
envelope it publishes. A game that lost its broker connection cannot publish again, but
a publish that left it just before could still reach this edge after the next game's
first envelopes. So the edge keeps the newest term it has seen per shard and drops an
envelope of an older one (counted in ``mythos_edge_fenced_total``). An envelope without
a term (a game older than terms) is never dropped.
"""

from __future__ import annotations

import logging

from mythos_contracts.envelope import EventEnvelope
from mythos_contracts.envelope_wire import WireEnvelope

from mythos_edge.metrics import FENCED

log = logging.getLogger(__name__)


class TermFence:
    def __init__(self) -> None:
        self.newest: dict[str, int] = {}
        """The newest term seen, by shard."""

    def admits(self, envelope: EventEnvelope | WireEnvelope) -> bool:
        """False for an envelope of an older term than the newest seen for its shard."""
        shard, term = envelope.shard, envelope.term
        if shard is None or term is None:
            return True
        newest = self.newest.get(shard)
        if newest is None or term > newest:
            if newest is not None:
                log.info("shard %s: term %d follows term %d", shard, term, newest)
            self.newest[shard] = term
            return True
        if term == newest:
            return True
        FENCED.labels(shard).inc()
        log.warning(
            "dropped a %s of shard %s's term %d: term %d owns the shard now",
            envelope.event_type,
            shard,
            term,
            newest,
        )
        return False
