"""A ``LeanSocket`` on a recording transport, and a client's frames as bytes: what the
lean socket's tests share (not a test module)."""

from __future__ import annotations

import asyncio
from typing import Any

from mythos_edge.entrypoints.lean_socket import LeanSocket
from websockets.client import ClientProtocol
from websockets.frames import Frame
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.uri import parse_uri


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False
        self.reading = True
        self.waiting = 0
        self.writes = 0

    def write(self, data: Any) -> None:
        self.written += data
        self.writes += 1

    def get_write_buffer_size(self) -> int:
        return self.waiting

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True


class Listener:
    def __init__(self) -> None:
        self.messages: list[str | bytes] = []
        self.gone: tuple[int, str] | None = None
        self.shut = False

    def received(self, message: str | bytes) -> None:
        self.messages.append(message)

    def lost(self, code: int, reason: str) -> None:
        self.gone = (code, reason)

    def shutdown(self) -> None:
        self.shut = True


def _lean(
    max_size: int = 1 << 16, cls: type[LeanSocket] = LeanSocket
) -> tuple[LeanSocket, RecordingTransport, Listener, set[Any]]:
    transport, listener, connections = RecordingTransport(), Listener(), set[Any]()
    lean = cls(transport, ServerProtocol(state=State.OPEN, max_size=max_size), connections)
    connections.add(lean)
    lean.listen(listener)
    lean.start()
    return lean, transport, listener, connections


def _client() -> ClientProtocol:
    return ClientProtocol(parse_uri("ws://edge/api/ws"), state=State.OPEN)


def _from_client(*frames: Frame) -> bytes:
    client = _client()
    for frame in frames:
        client.send_frame(frame)
    return b"".join(client.data_to_send())


def _server_frames(data: bytes) -> list[Frame]:
    client = _client()
    client.receive_data(bytes(data))
    return [e for e in client.events_received() if isinstance(e, Frame)]
