"""The players connected to this edge, each with a bounded outbox.

A connection is not ``live`` until its own ``game_state`` arrives: anything from
an older stream of the same player that is still in flight is not shown to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

# Close codes of the edge (documented in docs/protocol.md).
CLOSE_POLICY_VIOLATION = 1008
CLOSE_TOO_SLOW = 4008


@dataclass(frozen=True)
class Close:
    code: int
    reason: str


@dataclass
class Connection:
    session_id: str
    player_id: str
    name: str
    limit: int
    live: bool = False
    closed: bool = False
    room_id: str | None = None
    outbox: asyncio.Queue[str | Close] = field(init=False)

    def __post_init__(self) -> None:
        self.outbox = asyncio.Queue(maxsize=self.limit)

    def offer(self, text: str) -> None:
        """Queue a message; a client that has fallen ``limit`` messages behind is closed."""
        try:
            self.outbox.put_nowait(text)
        except asyncio.QueueFull:
            while not self.outbox.empty():
                self.outbox.get_nowait()
            self.outbox.put_nowait(Close(CLOSE_TOO_SLOW, "too slow: reconnect to resume"))

    def close_after_flush(self, code: int, reason: str) -> None:
        try:
            self.outbox.put_nowait(Close(code, reason))
        except asyncio.QueueFull:
            self.offer("")  # forces the too-slow close, which is a close all the same

    async def pump(
        self, send: Callable[[str], Awaitable[None]], close: Callable[[int, str], Awaitable[None]]
    ) -> None:
        """Write the outbox to the socket until a close is queued."""
        while True:
            item = await self.outbox.get()
            if isinstance(item, Close):
                await close(item.code, item.reason)
                return
            await send(item)


class ConnectionRegistry:
    def __init__(self) -> None:
        self._by_session: dict[str, Connection] = {}
        self._by_player: dict[str, set[str]] = {}

    def add(self, conn: Connection) -> None:
        self._by_session[conn.session_id] = conn
        self._by_player.setdefault(conn.player_id, set()).add(conn.session_id)

    def remove(self, conn: Connection) -> None:
        self._by_session.pop(conn.session_id, None)
        sessions = self._by_player.get(conn.player_id)
        if sessions is not None:
            sessions.discard(conn.session_id)
            if not sessions:
                del self._by_player[conn.player_id]

    def by_session(self, session_id: str) -> Connection | None:
        return self._by_session.get(session_id)

    def of_player(self, player_id: str) -> list[Connection]:
        return [self._by_session[s] for s in self._by_player.get(player_id, ())]

    def __len__(self) -> int:
        return len(self._by_session)
