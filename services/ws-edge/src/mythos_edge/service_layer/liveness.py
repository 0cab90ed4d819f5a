"""Periodic work of an edge: tell the game it is alive (with its connections), close
clients that went silent, and heal after a broker reconnect."""

from __future__ import annotations

import asyncio
import logging
import time

from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.heartbeat_wire import edge_heartbeat_json
from mythos_contracts.ops.log_lines import log_context
from mythos_contracts.routing import COMMANDS_EXCHANGE, edge_key

from mythos_edge.service_layer.connections import CLOSE_IDLE, ConnectionRegistry
from mythos_edge.service_layer.fanout import Fanout

log = logging.getLogger(__name__)


class Liveness:
    def __init__(
        self,
        bus: Bus,
        registry: ConnectionRegistry,
        fanout: Fanout,
        edge_id: str,
        *,
        heartbeat_seconds: float,
        idle_timeout_seconds: float,
    ) -> None:
        self._bus = bus
        self._registry = registry
        self._fanout = fanout
        self._edge_id = edge_id
        self._heartbeat_seconds = heartbeat_seconds
        self._idle_timeout = idle_timeout_seconds

    async def run(self) -> None:
        while True:
            try:
                self.close_idle()
                await self.heartbeat()
            except Exception:
                log.exception("edge liveness round failed")
            await asyncio.sleep(self._heartbeat_seconds)

    def _beat(self) -> bytes:
        # Plain dicts, not a model per connection: this runs for every connection the
        # edge holds, every few seconds (``heartbeat_wire``).
        return edge_heartbeat_json(
            self._edge_id,
            [
                {
                    "player_id": c.player_id,
                    "player_name": c.name,
                    "player_role": c.role,
                    "connection_id": c.connection_id,
                    "epoch": c.epoch,
                    "delivered": None if c.epoch is None else max(0, c.expected - 1),
                }
                for c in self._registry.all()
                if c.live
            ],
        )

    async def heartbeat(self) -> None:
        """The game adopts any connection listed here that it does not know (after its restart)."""
        await self._bus.publish(COMMANDS_EXCHANGE, edge_key(self._edge_id), self._beat())

    async def answer_sync(self, request: Delivery) -> None:
        """A (re)started game asks who is connected before it runs any queued command.
        The answer is a heartbeat on this edge's own key, which the game listens to while
        it syncs: the edge's broker user may publish commands only (docs/security.md),
        never straight into another service's queue, as a reply to ``reply_to`` would."""
        await self.heartbeat()

    def close_idle(self) -> None:
        now = time.monotonic()
        for conn in self._registry.all():
            if not conn.closed and now - conn.last_received > self._idle_timeout:
                with log_context(player_id=conn.player_id, connection_id=conn.connection_id):
                    log.info("closing silent client %s", conn.player_id)
                conn.close_after_flush(CLOSE_IDLE, "idle: send a ping at least every 25 s")

    async def after_reconnect(self) -> None:
        """Our queue was re-created: whatever was routed meanwhile is gone. Ask for it."""
        log.warning("broker connection restored: asking the game to replay any gap")
        await self.heartbeat()
        for conn in self._registry.all():
            if conn.live:
                conn.replay_asked_at = None
                await self._fanout.ask_replay(conn)
