"""Delivers the events arriving on this edge's queue to its local connections, in order.

One delivery per room event reaches this edge; each local recipient gets its own
copy stamped with its own sequence number. A delivery may carry further envelopes
folded into it (the speaker's ``command_response`` with the room event it caused):
they are delivered right after it, each exactly as if it had arrived alone. Each connection follows its stream:
a number already delivered is dropped (duplicate), a number ahead of the next
one is held while the game is asked to replay the gap from its history. So a
client sees every line once and in order, even across broker reconnects.

What a turn of the loop writes to one client is held and written at once when the
turn ends (``_holding``): a speaker's line and its response, and every delivery the
inbox drained in that turn, in one system call.

Room changes seen in ``game_state`` and ``room_update`` move the refcounted room
bindings, then tell the game the room is bound so it may stop sending that
player per-player copies.
"""

from __future__ import annotations

import asyncio
import logging
import time

from mythos_contracts.bus import Bus, Delivery
from mythos_contracts.envelope import ReplayRequest, RoomBound
from mythos_contracts.envelope_wire import WireEnvelope, read_envelope
from mythos_contracts.events import CONTROL_EVENT_TYPES
from mythos_contracts.ops.log_lines import log_context
from mythos_contracts.routing import COMMANDS_EXCHANGE, command_key, room_pattern

from mythos_edge.metrics import MESSAGES_DELIVERED, RESUMED, RESYNCED
from mythos_edge.service_layer.connections import (
    CLOSE_TOO_SLOW,
    Connection,
    ConnectionRegistry,
)
from mythos_edge.service_layer.room_bindings import RoomBindings
from mythos_edge.service_layer.term_fence import TermFence

log = logging.getLogger(__name__)

REPLAY_RETRY_SECONDS = 5.0
# Event types whose delivery does more than write the message (control messages, and
# the room changes of game_state and room_update): each recipient goes through _accept.
_ROUTED_WITH_CARE = CONTROL_EVENT_TYPES | {"game_state", "room_update"}


class Fanout:
    def __init__(
        self,
        bus: Bus,
        registry: ConnectionRegistry,
        bindings: RoomBindings,
        edge_id: str,
        *,
        max_pending: int,
    ) -> None:
        self._bus = bus
        self._registry = registry
        self._bindings = bindings
        self._edge_id = edge_id
        self._max_pending = max_pending
        self._fence = TermFence()
        self._held: list[Connection] | None = None

    async def on_event(self, delivery: Delivery) -> None:
        # A delivery may carry envelopes folded into the first (a command's response riding
        # on its room event): each is handled as if it had arrived alone, in order. Read
        # with msgspec (the model's pydantic only for odd input): the edge's largest
        # cost per message was this parse and the render.
        for envelope in read_envelope(delivery.body).carried():
            if self._fence.admits(envelope):  # not a stale owner's (term fencing)
                await self._route(envelope)

    def _holding(self) -> list[Connection]:
        """The connections holding messages written in this turn of the loop. A client's
        messages of every delivery handled in one turn (the inbox drains in one when
        deliveries queue up) go out in one write at the start of the next: one system
        call, and one segment for the proxy to read and pass on, instead of one each.
        Asked for at each write, never kept across an await: the list is gone once the
        turn that made it ends."""
        if self._held is None:
            self._held = []
            asyncio.get_running_loop().call_soon(self._release)
        return self._held

    def _release(self) -> None:
        held, self._held = self._held or [], None
        for conn in held:
            try:
                conn.release()
            except Exception:  # one socket's failure must not hold the others' lines
                log.exception("writing %s's held messages failed", conn.connection_id)

    async def _route(self, envelope: WireEnvelope) -> None:
        if envelope.connection_id is not None:
            conn = self._registry.by_id(envelope.connection_id)
            if conn is not None:
                await self._accept(conn, envelope)
            return
        # Most of a room's recipients take the next number of a stream they follow: that
        # message is written without a coroutine of its own, and counted once for all.
        plain = envelope.event_type not in _ROUTED_WITH_CARE
        now = time.monotonic()
        written = 0
        of_player = self._registry.of_player
        for player_id, seq in envelope.recipients.items():
            for conn in of_player(player_id):
                if not conn.live:
                    continue
                if plain and seq == conn.expected and not conn.pending and not conn.resuming:
                    written += self._next_in_order(conn, envelope, seq, now)
                else:
                    await self._accept(conn, envelope)
        if written:
            MESSAGES_DELIVERED.inc(written)

    def _next_in_order(
        self, conn: Connection, envelope: WireEnvelope, seq: int, now: float
    ) -> bool:
        """``_accept`` of a plain event (no control message, no room change) numbered
        ``conn.expected`` on a stream with no gap and no resume pending: the same steps,
        in the same order. True if written."""
        if envelope.answers is not None:
            conn.route.answered(envelope.answers, now)
        written = conn.write(envelope.render_json(seq, conn.player_field), self._holding())
        conn.route.accepted(envelope.shard, seq, now)
        conn.expected = seq + 1
        conn.replay_asked_at = None
        return written

    async def _accept(self, conn: Connection, envelope: WireEnvelope) -> None:
        seq = envelope.recipients.get(conn.player_id)
        if seq is None:
            return
        if envelope.answers is not None:  # arrived: what the route's switch waits for
            conn.route.answered(envelope.answers, time.monotonic())
        kind = envelope.event_type
        if kind in CONTROL_EVENT_TYPES:
            self._offer(conn, envelope)
            if kind == "heartbeat":  # counts for the route with the number it carries
                conn.route.accepted(envelope.shard, seq, time.monotonic())
            epoch = (envelope.epochs or {}).get(conn.player_id)
            if kind == "heartbeat" and epoch is not None and epoch != conn.epoch:
                conn.follow(epoch, 0)  # we missed this stream's game_state: ask from the start
                await self.ask_replay(conn)
            elif kind == "heartbeat" and seq >= conn.expected:
                await self.ask_replay(conn)  # the game issued numbers we never got
            elif kind == "disconnect":
                conn.live = False
                conn.close_after_flush(int(envelope.data["code"]), str(envelope.data["reason"]))
            return
        epoch = str(envelope.data["epoch"]) if kind == "game_state" else None
        if (
            epoch is not None
            and envelope.connection_id == conn.connection_id
            and (
                epoch != conn.epoch  # the stream's own game_state again (a game that took the
                # shard over publishes the last records once more): numbered like the rest
            )
        ):
            if conn.resuming:  # a new stream for a connection that asked to go on: resync
                conn.resuming = False
                RESYNCED.inc()
            conn.follow(epoch, seq - 1)
        if seq < conn.expected:
            return  # already delivered
        if seq > conn.expected:
            if len(conn.pending) >= self._max_pending:
                conn.close_after_flush(CLOSE_TOO_SLOW, "too far behind: reconnect to resume")
                return
            conn.pending[seq] = envelope
            await self.ask_replay(conn)
            return
        await self._deliver(conn, envelope)
        while conn.expected in conn.pending:
            await self._deliver(conn, conn.pending.pop(conn.expected))
        if not conn.pending:
            conn.replay_asked_at = None

    def _offer(self, conn: Connection, envelope: WireEnvelope) -> None:
        seq = envelope.recipients.get(conn.player_id)
        # The shared parts are encoded once per envelope, not per recipient.
        if seq is not None and conn.write(
            envelope.render_json(seq, conn.player_field), self._holding()
        ):
            MESSAGES_DELIVERED.inc()

    async def _deliver(self, conn: Connection, envelope: WireEnvelope) -> None:
        if conn.resuming:  # its old stream went on (the replay, or what followed): resumed
            conn.resuming = False
            RESUMED.inc()
        self._offer(conn, envelope)
        conn.route.accepted(envelope.shard, conn.expected, time.monotonic())
        conn.expected += 1
        if envelope.event_type in ("game_state", "room_update"):
            await self._enter_room(conn, str(envelope.data["room"]["id"]))

    async def ask_replay(self, conn: Connection) -> None:
        """Ask the game for everything from ``conn.expected`` on (at most every few seconds)."""
        now = time.monotonic()
        if conn.epoch is None or conn.closed:
            return
        if conn.replay_asked_at is not None and now - conn.replay_asked_at < REPLAY_RETRY_SECONDS:
            return
        conn.replay_asked_at = now
        # Runs in the bus consumer's task, not the connection's: name the connection here.
        with log_context(player_id=conn.player_id, connection_id=conn.connection_id):
            log.info("gap for %s at %d: asking for a replay", conn.player_id, conn.expected)
        request = ReplayRequest(
            player_id=conn.player_id,
            player_name=conn.name,
            player_role=conn.role,
            connection_id=conn.connection_id,
            edge_id=self._edge_id,
            epoch=conn.epoch,
            from_seq=conn.expected,
        )
        await self._bus.publish(
            COMMANDS_EXCHANGE,
            command_key(conn.route.send(None, now), conn.player_id),
            request.model_dump_json().encode(),
        )

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
            player_name=conn.name,
            player_role=conn.role,
            connection_id=conn.connection_id,
            edge_id=self._edge_id,
            room_id=room_id,
        )
        await self._bus.publish(
            COMMANDS_EXCHANGE,
            command_key(conn.route.send(None, time.monotonic()), conn.player_id),
            bound.model_dump_json().encode(),
        )

    async def leave(self, conn: Connection) -> None:
        """Release what a closed connection held."""
        if conn.room_id is not None:
            await self._bindings.release(room_pattern(conn.room_id))
            conn.room_id = None
