"""Refuse request bodies over a size limit with 413, before they are buffered whole.

A declared ``Content-Length`` over the limit is refused before the body is parsed; a body
sent without one (chunked) is counted as it arrives and refused as soon as it passes the
limit. Either way the rest of the body, up to ``DRAIN_BYTES``, is read and dropped first,
so a client still sending gets to read the 413 instead of a reset connection; beyond
that the connection is simply closed after the answer.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# How much of a refused body is read and dropped so the client can read the answer.
DRAIN_BYTES = 1024 * 1024


def too_large(limit: int) -> str:
    return f"request body too large: at most {limit} bytes"


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` mid-body; an ``HTTPException`` so FastAPI's body parsing
    passes it on (it turns other errors into 400) and the app's handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large(limit))


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _drain(receive, more=True)
            response = JSONResponse({"detail": too_large(self.max_bytes)}, status_code=413)
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    await _drain(receive, more=message.get("more_body", False))
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counted, send)


async def _drain(receive: Receive, *, more: bool) -> None:
    drained = 0
    while more and drained < DRAIN_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        more = message.get("more_body", False)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed one before we see it
    return None
