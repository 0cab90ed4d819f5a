"""A deadline for a request's headers, which uvicorn does not have.

uvicorn times out only an idle keep-alive connection (between requests): a client that
opens TCP and sends half a request line, or one header a minute, holds a socket and a
file descriptor forever, without ever reaching the handshake's checks (slowloris).
Here every request, the WebSocket upgrade included, must have sent all its headers
within ``seconds`` of its first byte (of the connection, for the first request), or the
connection is closed without an answer.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)


def header_deadline_protocol(seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol with a ``seconds`` deadline on each request's headers
    (pass it as ``uvicorn.Config(http=...)``)."""

    class HeaderDeadlineProtocol(HttpToolsProtocol):
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm()  # the next request on a kept-alive connection gets its own deadline

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._deadline is None:
                self._deadline = self.loop.call_later(seconds, self._too_slow)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _too_slow(self) -> None:
            self._deadline = None
            if not self.transport.is_closing():
                client: Any = self.client[0] if self.client else "?"
                log.info(
                    "closed a connection from %s: no request headers within %gs", client, seconds
                )
                self.transport.close()

    return HeaderDeadlineProtocol
