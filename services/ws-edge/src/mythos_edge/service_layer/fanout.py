"""Delivers the events arriving on this edge's queue to its local connections.

One delivery per room event reaches this edge; each local recipient gets its own
copy stamped with its own sequence number. Room changes seen in ``game_state``
and ``room_update`` move the refcounted room bindings, then tell the game the
room is bound so it may stop sending that player per-player copies.
"""

from __future__ import annotations

import logging

from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.envelope import EventEnvelope, RoomBound
from mythos_contracts.routing import COMMANDS_EXCHANGE, command_key, room_pattern

from mythos_edge.service_layer.connections import Connection, ConnectionRegistry
from mythos_edge.service_layer.room_bindings import RoomBindings

log = logging.getLogger(__name__)


class Fanout:
    def __init__(
        self, bus: Bus, registry: ConnectionRegistry, bindings: RoomBindings, edge_id: str
    ) -> None:
        self._bus = bus
        self._registry = registry
        self._bindings = bindings
        self._edge_id = edge_id

    async def on_event(self, delivery: Delivery) -> None:
        envelope = EventEnvelope.model_validate_json(delivery.body)
        if envelope.session_id is not None:
            conn = self._registry.by_session(envelope.session_id)
            if conn is not None:
                await self._deliver(conn, envelope)
            return
        for player_id in envelope.recipients:
            for conn in self._registry.of_player(player_id):
                if conn.live:
                    await self._deliver(conn, envelope)

    async def _deliver(self, conn: Connection, envelope: EventEnvelope) -> None:
        message = envelope.for_recipient(conn.player_id)
        if message is None:
            return
        conn.offer(message.model_dump_json())
        kind = envelope.event_type
        if kind == "game_state":
            conn.live = True
        if kind in ("game_state", "room_update"):
            await self._enter_room(conn, str(envelope.data["room"]["id"]))
        elif kind == "disconnect":
            conn.live = False
            conn.close_after_flush(int(envelope.data["code"]), str(envelope.data["reason"]))

    async def _enter_room(self, conn: Connection, room_id: str) -> None:
        if conn.room_id != room_id:
            await self._bindings.acquire(room_pattern(room_id))
            if conn.room_id is not None:
                await self._bindings.release(room_pattern(conn.room_id))
            conn.room_id = room_id
        if conn.closed:  # the socket went away while we were binding
            await self.leave(conn)
            return
        bound = RoomBound(
            player_id=conn.player_id,
            session_id=conn.session_id,
            edge_id=self._edge_id,
            room_id=room_id,
        )
        await self._bus.publish(
            COMMANDS_EXCHANGE, command_key(conn.player_id), bound.model_dump_json().encode()
        )

    async def leave(self, conn: Connection) -> None:
        """Release what a closed connection held."""
        if conn.room_id is not None:
            await self._bindings.release(room_pattern(conn.room_id))
            conn.room_id = None
