"""The edge's WebSocket data path after the handshake: no ASGI, no task per connection.

uvicorn (and FastAPI behind it) does the opening handshake and every check of it as
before. Once the endpoint has accepted, it detaches the socket: uvicorn's protocol
object, the ASGI scope, the request's headers and the endpoint's task all go, and the
transport gets a ``LeanSocket``. That keeps the ``websockets`` sans-I/O parser for what
the client sends (masking, fragments, control frames, UTF-8, the size limit, the
closing handshake) and calls its listener with each whole message; what the edge sends
is framed here (a server frame is a header and the UTF-8 bytes) and written to the
transport at once, in call order.

What the client sends most (a whole text frame: a command, a ``ping``; a protocol ping)
is read here while the parser has nothing of its own in hand (waiting between frames with
nothing buffered, no fragmented message, the socket open): its header read, its payload
unmasked by the same C function the parser uses, and the message handed on exactly as
the parser would have.
Anything else, and whatever follows it in the same read, goes to the parser.

Serve with ``ws=DetachableWebSockets`` (``uvicorn.Config``): the endpoint finds
``detach`` in ``scope["extensions"]["mythos.detach"]``. Without it (another server, the
test client) the endpoint keeps the ASGI data path.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from typing import Any, Protocol

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import Protocol as FrameProtocol
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.streams import StreamReader

try:  # the C function the parser unmasks with, as websockets.frames imports it
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - a build without the C extension
    from websockets.utils import apply_mask

log = logging.getLogger(__name__)

DETACH = "mythos.detach"
CLOSE_TIMEOUT_SECONDS = 10.0
"""After our close frame, how long the client has to answer before the socket is closed
(as uvicorn waits): what was written before it is still sent first."""
_OPEN = State.OPEN
# A server's text frame: FIN and the opcode, then the payload's length (RFC 6455 §5.2).
_SHORT_HEADS = [bytes((0x81, size)) for size in range(126)]
_medium_head = struct.Struct(">BBH").pack
_long_head = struct.Struct(">BBQ").pack
# What the client sends most, as its frame's first byte: FIN and the opcode, no RSV bit.
_WHOLE_TEXT = 0x80 | Opcode.TEXT.value
_WHOLE_PING = 0x80 | Opcode.PING.value
_MASKED = 0x80
# The parser waits here, and only here, between two frames (``Protocol.parse``); an empty
# buffer alone does not say so: a frame's header may have been read, its mask not yet.
_BETWEEN_FRAMES = StreamReader.at_eof.__code__
_HANDSHAKE_PARSER = ServerProtocol.parse.__code__


class SocketListener(Protocol):
    def received(self, message: str | bytes) -> None:
        """One whole message from the client (text as ``str``, binary as ``bytes``)."""

    def lost(self, code: int, reason: str) -> None:
        """The socket is gone: ``code`` is the close seen (sent or received), else 1006."""

    def shutdown(self) -> None:
        """The server is stopping: close the client (1012) as the edge does."""


class LeanSocket(asyncio.Protocol):
    """One client's transport after the handshake (the edge's ``ClientSocket``)."""

    __slots__ = ("_connections", "_held", "_listener", "_parts", "_timer", "_transport", "_ws")

    def __init__(
        self, transport: asyncio.Transport, ws: ServerProtocol, connections: set[Any]
    ) -> None:
        self._transport = transport
        self._ws = ws
        self._listener: SocketListener | None = None
        self._connections = connections
        self._timer: asyncio.TimerHandle | None = None
        self._parts: list[bytes] | None = None
        """A fragmented message so far (its first part says text or binary)."""
        self._held: list[str | bytes] | None = None
        """Messages that came with the handshake, before anyone listened."""

    def listen(self, listener: SocketListener) -> None:
        """``listener`` hears of the socket's end from now on, of messages from ``start``."""
        self._listener = listener

    def start(self) -> None:
        """Hand the messages held since the handshake to the listener, then read on."""
        held, self._held = self._held, None
        for message in held or ():
            if self._listener is not None:
                self._listener.received(message)
        self.resume_reading()

    # --- what the edge calls (ClientSocket) -------------------------------------------

    def send(self, payload: bytes) -> None:
        if self._ws.state is not _OPEN:
            return  # after a close frame nothing may follow
        self._transport.write(_head(len(payload)) + payload)

    def send_many(self, payloads: list[bytes]) -> None:
        # One write (one system call, one segment for the proxy to read) for them all.
        if self._ws.state is not _OPEN:
            return
        parts: list[bytes] = []
        for payload in payloads:
            parts += (_head(len(payload)), payload)
        self._transport.write(b"".join(parts))

    def buffered(self) -> int:
        return self._transport.get_write_buffer_size()

    def close(self, code: int, reason: str) -> None:
        if self._ws.state is not _OPEN:
            return
        self._ws.send_close(code, reason)
        self._flush()
        if self._timer is None and not self._transport.is_closing():
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(CLOSE_TIMEOUT_SECONDS, self._close_unanswered)

    def _close_unanswered(self) -> None:
        # Said, since a stopping server waits this long for each client that never answers.
        self._timer = None
        log.info("no answer to our close in %gs: closing the socket", CLOSE_TIMEOUT_SECONDS)
        self._transport.close()

    def pause_reading(self) -> None:
        if not self._transport.is_closing():
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        if not self._transport.is_closing():
            self._transport.resume_reading()

    def shutdown(self) -> None:
        """uvicorn's server shutdown (it holds us among its connections)."""
        if self._listener is not None:
            self._listener.shutdown()
        else:
            self.close(1012, "")

    # --- asyncio.Protocol ---------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        ws = self._ws
        texts: list[bytes] = []
        if (
            ws.state is _OPEN
            and ws.current_size is None
            and not ws.reader.buffer
            and not ws.extensions
            and _between_frames(ws)
        ):
            data = self._whole_frames(data, texts)
        # As the parser alone does: everything read is parsed (pings answered, a close
        # echoed) before any message is handed on, then the messages in their order.
        if data:
            ws.receive_data(data)
        for text in texts:
            self._deliver(Opcode.TEXT, text)
        if data:
            for frame in ws.events_received():
                if isinstance(frame, Frame):
                    self._on_frame(frame)
        self._flush()  # pongs, the close echo, a close for a protocol error

    def eof_received(self) -> bool | None:
        return None  # the transport closes itself; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._connections.discard(self)
        ws, listener = self._ws, self._listener
        self._listener = None  # nothing refers back from here on
        # The parser is a generator whose frame refers to its protocol: a cycle, which
        # only a full collection would free. Closed, it goes with this socket.
        ws.parser.close()
        if listener is None:
            return
        # The client's close if it sent one (when ours went first the edge has already
        # recorded ours: the first close wins), else ours (a protocol error's 1002, 1007, 1009).
        seen = ws.close_rcvd or ws.close_sent
        if seen is None:
            listener.lost(1006, "")
        else:
            listener.lost(seen.code, seen.reason)

    def pause_writing(self) -> None:
        pass  # the edge bounds what waits itself (4008 on buffered bytes)

    def resume_writing(self) -> None:
        pass

    # --- frames -----------------------------------------------------------------------

    def _whole_frames(self, data: bytes, texts: list[bytes]) -> bytes:
        """Read the whole, masked text and ping frames at the start of ``data`` as the
        parser would: a text frame's payload (within the size limit) onto ``texts``, a
        ping answered with a pong. Returns what is left from the first frame that is not
        one, or not whole, for the parser."""
        ws = self._ws
        limit = ws.max_message_size
        at, end = 0, len(data)
        while end - at >= 6:
            first, second = data[at], data[at + 1]
            if (first != _WHOLE_TEXT and first != _WHOLE_PING) or not second & _MASKED:
                break
            size, head = second & 0x7F, at + 6
            if size == 126 and first == _WHOLE_TEXT:  # a control frame has at most 125
                if end - at < 8:
                    break
                size, head = (data[at + 2] << 8) | data[at + 3], at + 8
            elif size >= 126:
                break
            if (limit is not None and size > limit) or head + size > end:
                break
            payload = apply_mask(data[head : head + size], data[head - 4 : head])
            at = head + size
            if first == _WHOLE_TEXT:
                texts.append(payload)
            else:
                ws.send_pong(payload)
        return data[at:] if at else data

    def _on_frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            if frame.fin:
                self._deliver(opcode, bytes(frame.data))
            else:
                self._parts = [bytes((opcode.value,)), bytes(frame.data)]
        elif opcode is Opcode.CONT and self._parts is not None:
            self._parts.append(bytes(frame.data))
            if frame.fin:
                kind, *parts = self._parts
                self._parts = None
                self._deliver(Opcode(kind[0]), b"".join(parts))
        # PING: websockets queued the pong; CLOSE: it queued the echo (flushed by the caller).

    def _deliver(self, opcode: Opcode, data: bytes) -> None:
        if self._ws.state is not _OPEN:
            return  # past our close frame: only the client's close matters now
        message: str | bytes = data
        if opcode is Opcode.TEXT:
            try:
                message = data.decode()
            except UnicodeDecodeError:
                self._ws.fail(1007, "invalid UTF-8 in a text message")
                return
        if self._listener is None or self._held is not None:
            self._held = [*(self._held or ()), message]
        else:
            self._listener.received(message)

    def _flush(self) -> None:
        ws = self._ws
        out = ws.data_to_send()
        if out:
            data = b"".join(out)
            if data:
                self._transport.write(data)
            if ws.eof_sent:  # the closing handshake is over, or the connection failed
                self._transport.close()  # after what is buffered


def _between_frames(ws: ServerProtocol) -> bool:
    """Whether the parser is suspended between two frames, as its generator says (any
    other state, or a ``websockets`` that parses otherwise: no, and the parser reads)."""
    waiting = ws.parser
    while (inner := getattr(waiting, "gi_yieldfrom", None)) is not None:
        waiting = inner  # the server's parse delegates to the protocol's, and so on
    return getattr(waiting, "gi_code", None) is _BETWEEN_FRAMES


def _head(size: int) -> bytes:
    """The header of a server's text frame of ``size`` bytes."""
    if size < 126:
        return _SHORT_HEADS[size]
    if size < 65536:
        return _medium_head(0x81, 126, size)
    return _long_head(0x81, 127, size)


class _Detached:
    """What uvicorn's protocol object holds as its transport once detached."""

    def close(self) -> None:
        pass

    def is_closing(self) -> bool:
        return True


_DETACHED: Any = _Detached()


class DetachableWebSockets(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol, plus ``detach`` for the edge's endpoint."""

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][DETACH] = {"detach": self.detach}

    def detach(self) -> LeanSocket | None:
        """After ``websocket.accept``: hand the transport to a ``LeanSocket`` (reading
        paused until it ``listen``s). None if the client has already gone."""
        if not self.handshake_complete or self.close_sent or self.disconnected:
            return None
        if self.transport.is_closing():
            return None
        held: list[str | bytes] = []
        while not self.queue.empty():
            event: Any = self.queue.get_nowait()
            if event["type"] != "websocket.receive":
                return None  # a close or disconnect is already waiting: leave it to ASGI
            held.append(event["text"] if event.get("text") is not None else event["bytes"])
        self.stop_keepalive()
        lean = LeanSocket(self.transport, self.conn, self.connections)
        lean._held = held or None
        self.connections.discard(self)
        self.connections.add(lean)  # type: ignore[arg-type]  # it has shutdown(), all uvicorn calls
        self.transport.pause_reading()
        self.read_paused = False
        self.transport.set_protocol(lean)
        # uvicorn closes its transport when the endpoint returns: not this one any more.
        self.transport = _DETACHED
        # What the handshake needed is not kept: the connection lives on in ``lean``.
        # The parser's generator still refers to the request (a local of its frame):
        # emptied, its headers (the token among them) go now.
        self.request.headers.clear()
        self.request.path = ""
        self.scope = None  # type: ignore[assignment]
        self.request = None  # type: ignore[assignment]
        self.response = None  # type: ignore[assignment]
        _forget_the_handshake(self.conn)
        return lean


def _forget_the_handshake(ws: ServerProtocol) -> None:
    """Lets go of what only the handshake used, so a held connection keeps fewer objects
    for the garbage collector to walk at each full collection (it walks every one of
    every connection: at 5,000 connections its pauses grow with their count).

    The parser's generator began with the handshake, and its frame holds the request
    (headers emptied above, objects still): between frames, with nothing buffered, it
    is swapped for the frame parser the handshake's would go on to, in the same state.
    The extensions offered (permessage-deflate's factory) served the negotiation only."""
    ws.available_extensions = None
    parser = ws.parser
    if (
        ws.state is _OPEN
        and not ws.reader.buffer
        and getattr(parser, "gi_code", None) is _HANDSHAKE_PARSER
        and _between_frames(ws)
    ):
        ws.parser = FrameProtocol.parse(ws)
        next(ws.parser)  # to its wait between frames, as the handshake's parser was
        parser.close()
