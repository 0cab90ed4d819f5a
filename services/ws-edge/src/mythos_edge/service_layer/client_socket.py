"""The port a connection writes its client through, and its queued adapter.

``send`` writes one text message (its UTF-8 bytes) at once, in call order, ``send_many``
several in one write (a delivery's messages for one client), ``buffered`` says how many
bytes were written but not yet taken by the network, ``close`` sends a close frame after
everything written so far. The edge's own data path (``entrypoints/lean_socket``) writes
straight to the transport; ``Outbox`` is for servers without it (the ASGI test client):
it queues what is sent and a ``pump`` task hands it to an async ``send``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol


class ClientSocket(Protocol):
    def send(self, payload: bytes) -> None: ...

    def send_many(self, payloads: list[bytes]) -> None: ...

    def buffered(self) -> int: ...

    def close(self, code: int, reason: str) -> None: ...


@dataclass(frozen=True)
class Close:
    code: int
    reason: str


class Outbox:
    """Messages waiting for an async writer, then the close (if any)."""

    def __init__(self) -> None:
        self._items: deque[bytes | Close] = deque()
        self._bytes = 0
        self._ready = asyncio.Event()

    def send(self, payload: bytes) -> None:
        self._items.append(payload)
        self._bytes += len(payload)
        self._ready.set()

    def send_many(self, payloads: list[bytes]) -> None:
        for payload in payloads:
            self.send(payload)

    def buffered(self) -> int:
        return self._bytes

    def close(self, code: int, reason: str) -> None:
        self._items.append(Close(code, reason))
        self._ready.set()

    def empty(self) -> bool:
        return not self._items

    def get_nowait(self) -> str | Close:
        item = self._items.popleft()
        if isinstance(item, Close):
            return item
        self._bytes -= len(item)
        return item.decode()

    async def pump(
        self, send: Callable[[str], Awaitable[None]], close: Callable[[int, str], Awaitable[None]]
    ) -> None:
        """Write what is queued until the close."""
        while True:
            while not self._items:
                self._ready.clear()
                await self._ready.wait()
            item = self._items[0]
            if isinstance(item, Close):
                await close(item.code, item.reason)
                return
            await send(item.decode())
            self.get_nowait()  # counted as buffered until the writer took it
