"""The players connected to this edge, each writing straight to its client's socket.

A connection is not ``live`` until its own ``game_state`` arrives: anything from
an older stream of the same player that is still in flight is not shown to it.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field

from mythos_contracts.close_codes import CloseCode
from mythos_contracts.envelope_wire import WireEnvelope, player_field

from mythos_edge.metrics import MESSAGES_DELIVERED
from mythos_edge.service_layer.client_socket import ClientSocket, Outbox
from mythos_edge.service_layer.command_route import CommandRoute

# Close codes of the edge (the contract's, documented in docs/protocol.md).
CLOSE_POLICY_VIOLATION = CloseCode.POLICY_VIOLATION
CLOSE_MESSAGE_TOO_BIG = CloseCode.MESSAGE_TOO_BIG
CLOSE_SERVICE_RESTART = CloseCode.SERVICE_RESTART
CLOSE_IDLE = CloseCode.IDLE
CLOSE_TOKEN_EXPIRED = CloseCode.TOKEN_EXPIRED
CLOSE_TOO_SLOW = CloseCode.TOO_SLOW
# 4009 (CLOSE_REVOKED, its login was revoked) is in the accounts contract: auth names it too.
TOO_SLOW_REASON = "too slow: reconnect to resume"


@dataclass(slots=True, eq=False)
class Connection:
    connection_id: str
    player_id: str
    name: str
    limit: int
    """Most messages waiting to be sent; one more closes the connection with 4008."""
    limit_bytes: int = 1 << 20
    """Most bytes waiting to be sent (a message alone always fits); 4008 past it."""
    role: str = "player"
    session_id: str | None = None
    """The login (token ``sid``) this socket was opened with; an in-band refresh must keep it."""
    live: bool = False
    """True once this connection has a stream to follow (its game_state, or a resume)."""
    closed: bool = False
    room_id: str | None = None
    epoch: str | None = None
    expected: int = 1
    """The next sequence number this client must get; lower is a duplicate, higher a gap."""
    pending: dict[int, WireEnvelope] = field(default_factory=dict)
    """Messages that arrived ahead of a gap, held until the gap is filled by a replay."""
    replay_asked_at: float | None = None
    last_received: float = field(default_factory=time.monotonic)
    token_expires_at: float = math.inf
    """Wall-clock time (``time.time()``) the connection's token expires; moved by a refresh."""
    resuming: bool = False
    """Opened with a resume whose outcome (stream went on, or resync) is not known yet."""
    close_code: int | None = None
    close_reason: str = ""
    """How the socket ended: the first close sent or received (for the log and metrics)."""
    socket: ClientSocket = field(default_factory=Outbox)
    closing: bool = False
    """A close frame is on its way: nothing more is written."""
    waiting: int = 0
    """Messages written since the socket last had nothing waiting (at most ``limit``)."""
    expiry: asyncio.TimerHandle | None = None
    """When the token's expiry is looked at next (``token_expiry.watch_expiry``)."""
    route: CommandRoute = field(default_factory=CommandRoute)
    """Which shard gets this connection's inputs (the lobby until an envelope names one)."""
    held: list[bytes] | None = None
    """Messages written in this turn of the fan-out, written together when it ends
    (``release``); anything else written meanwhile joins them, so order holds."""
    held_bytes: int = 0
    """The bytes of ``held``: they count as buffered for the 4008 bound."""
    player_field: bytes = field(init=False)
    """``envelope_wire.player_field(player_id)``: spliced into every message rendered for it."""

    def __post_init__(self) -> None:
        self.player_field = player_field(self.player_id)

    def offer(self, text: str) -> None:
        """Send a message (counted in ``mythos_edge_messages_delivered``); see ``write``."""
        if self.write(text.encode()):
            MESSAGES_DELIVERED.inc()

    def write(self, payload: bytes, holding: list[Connection] | None = None) -> bool:
        """Send a message (its UTF-8 bytes), uncounted: True if it was written. A client
        that has fallen ``limit`` messages or ``limit_bytes`` bytes behind is closed
        (4008): what it missed is in its stream, to resume from. With ``holding`` (the
        fan-out's list of connections holding messages) the message is held until
        ``release``, and counts as buffered meanwhile."""
        if self.closing:
            return False
        socket = self.socket
        buffered = socket.buffered() + self.held_bytes
        if not buffered:
            self.waiting = 0
        elif self.waiting >= self.limit or buffered + len(payload) > self.limit_bytes:
            self.close_after_flush(CLOSE_TOO_SLOW, TOO_SLOW_REASON)
            return False
        held = self.held
        if held is not None:
            held.append(payload)
            self.held_bytes += len(payload)
        elif holding is not None:
            self.held = [payload]
            self.held_bytes = len(payload)
            holding.append(self)
        else:
            socket.send(payload)
        self.waiting += 1
        return True

    def release(self) -> None:
        """Write the messages held (one write for them all)."""
        held, self.held = self.held, None
        self.held_bytes = 0
        if not held or self.closing:
            return
        if len(held) == 1:
            self.socket.send(held[0])
        else:
            self.socket.send_many(held)

    def follow(self, epoch: str, last_seq: int) -> None:
        """Expect the stream ``epoch`` from ``last_seq + 1`` on (a resume or a game_state)."""
        self.epoch = epoch
        self.expected = last_seq + 1
        self.route.new_stream()
        self.pending.clear()
        self.replay_asked_at = None
        self.live = True

    def ended(self, code: int, reason: str) -> None:
        """Record the close; the first one wins (the other side only echoes it)."""
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason

    def close_after_flush(self, code: int, reason: str) -> None:
        """Close after what was already sent (the first close asked for wins)."""
        if self.closing:
            return
        self.release()  # what was written before the close goes first
        self.closing = True
        self.ended(code, reason)
        self.socket.close(code, reason)


class ConnectionRegistry:
    def __init__(self) -> None:
        self._by_id: dict[str, Connection] = {}
        # A tuple per player, made anew on each change: the fan-out iterates it per
        # message with nothing copied, and may await meanwhile.
        self._by_player: dict[str, tuple[Connection, ...]] = {}
        self._empty = asyncio.Event()
        self._empty.set()

    def add(self, conn: Connection) -> None:
        self._by_id[conn.connection_id] = conn
        others = self._others(conn)
        self._by_player[conn.player_id] = (*others, conn)
        self._empty.clear()

    def remove(self, conn: Connection) -> None:
        self._by_id.pop(conn.connection_id, None)
        if conn.player_id in self._by_player:
            others = self._others(conn)
            if others:
                self._by_player[conn.player_id] = others
            else:
                del self._by_player[conn.player_id]
        if not self._by_id:
            self._empty.set()

    def _others(self, conn: Connection) -> tuple[Connection, ...]:
        """The player's connections but ``conn`` (or any other of its id)."""
        return tuple(
            c
            for c in self._by_player.get(conn.player_id, ())
            if c.connection_id != conn.connection_id
        )

    async def emptied(self) -> None:
        """Returns once no connection is left (at once if none is)."""
        await self._empty.wait()

    def by_id(self, connection_id: str) -> Connection | None:
        return self._by_id.get(connection_id)

    def of_player(self, player_id: str) -> tuple[Connection, ...]:
        return self._by_player.get(player_id, ())

    def all(self) -> list[Connection]:
        return list(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)
